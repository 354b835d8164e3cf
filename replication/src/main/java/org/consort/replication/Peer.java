package org.consort.replication;

import java.util.Objects;

/**
 * One member of the replication group: its id and where its replication endpoint listens.
 * The id is the node's key id ({@code org.consort.crypto.Certificates#keyId}): the transport
 * trusts a TLS peer only when its certificate's key id is the id of a current peer.
 *
 * <p>Immutable; safe to share between threads.
 */
public record Peer(String id, String host, int port) {
    public Peer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        if (id.isBlank()) {
            throw new IllegalArgumentException("peer id must not be blank");
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("peer host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port out of range 1..65535: " + port);
        }
    }

    /** {@code host:port}, the form the transport dials. */
    public String address() {
        return host + ":" + port;
    }
}
