package org.consort.node.http;

import java.nio.channels.SelectableChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.consort.crypto.Certificates;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.io.SelectableChannelEndPoint;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the client connections of the HTTPS listener so that connections which never ask for
 * anything cannot lock clients out.
 *
 * <p>Every accepted connection starts <em>unserved</em>: it has not yet delivered a complete
 * request head (TLS handshake included). An unserved connection is closed once it is
 * {@code firstRequestTimeoutMs} old, however many bytes it trickles in (the idle timeout alone
 * never closes a client that sends one byte a second). The listener never stops accepting: at
 * {@code connectionsMax} a new connection takes the place of the oldest unserved one, else of
 * the served connection idle longest (at least {@link #EVICTABLE_IDLE_MS}, no request in
 * progress, not a WebSocket), else it is closed at once. So a new client waits neither in the
 * kernel's backlog nor for an idle timeout; idle or slow strangers go first.
 *
 * <p>Connections that present a client certificate count against their identity (the key id);
 * past {@code connectionsPerIdentityMax} the handshake fails, so one caller cannot hold the node.
 *
 * <p>Thread-safe. The listener tells it about accepts and closes ({@link SelectorManager.AcceptListener}),
 * the TLS connection factory about each new TLS connection ({@link #opened}), the handler about
 * each request ({@link #requestStarted}).
 */
final class ConnectionGuard implements SelectorManager.AcceptListener, SslHandshakeListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /**
     * A served connection may make room for a new one at the limit only after this long without
     * a byte in either direction, so that a request already on its way is not cut off.
     */
    static final long EVICTABLE_IDLE_MS = 1_000;

    private final int connectionsMax;
    private final int perIdentityMax;
    private final long firstRequestTimeoutNanos;
    private final Object lock = new Object();
    /** Every accepted connection not closed yet; written under {@link #lock}, read without it. */
    private final Map<SelectableChannel, Conn> open = new ConcurrentHashMap<>();
    /** The connections that delivered no request head yet, oldest first; guarded by {@link #lock}. */
    private final LinkedHashMap<SelectableChannel, Conn> unserved = new LinkedHashMap<>();
    private final Map<SSLEngine, Conn> byEngine = new ConcurrentHashMap<>();
    /** Open connections per client identity (key id); guarded by {@link #lock}. */
    private final Map<String, Integer> perIdentity = new HashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong identityRefused = new AtomicLong();
    private boolean limiting; // guarded by lock
    private volatile boolean stopped;

    ConnectionGuard(int connectionsMax, int perIdentityMax, long firstRequestTimeoutMs) {
        this.connectionsMax = connectionsMax;
        this.perIdentityMax = perIdentityMax;
        this.firstRequestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(firstRequestTimeoutMs);
    }

    private static final class Conn {
        final SelectableChannel channel;
        final long acceptedNanos;
        final AtomicInteger active = new AtomicInteger();
        volatile EndPoint endPoint; // set under lock
        SSLEngine engine; // set under lock
        String identity; // set under lock
        boolean forgotten; // set under lock
        volatile boolean served;
        volatile boolean upgraded;

        Conn(SelectableChannel channel, long acceptedNanos) {
            this.channel = channel;
            this.acceptedNanos = acceptedNanos;
        }
    }

    /** Starts closing unserved connections that reach the first-request timeout. */
    void start(Scheduler scheduler) {
        long periodMs = Math.max(20, Math.min(500, TimeUnit.NANOSECONDS.toMillis(firstRequestTimeoutNanos) / 10));
        Runnable[] sweep = new Runnable[1];
        sweep[0] = () -> {
            if (stopped) {
                return;
            }
            try {
                closeExpired();
            } catch (RuntimeException e) {
                LOG.warn("closing connections past the first-request timeout failed", e);
            }
            try {
                scheduler.schedule(sweep[0], periodMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the server is stopping
            }
        };
        scheduler.schedule(sweep[0], periodMs, TimeUnit.MILLISECONDS);
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void onAccepting(SelectableChannel channel) {
        Conn victim = null;
        boolean refuse = false;
        synchronized (lock) {
            if (open.size() >= connectionsMax) {
                if (!limiting) {
                    limiting = true;
                    LOG.info("connection limit {} reached: new connections replace the oldest that sent no request, "
                            + "else the longest idle, else are refused", connectionsMax);
                }
                victim = oldestUnserved();
                if (victim == null) {
                    victim = longestIdle();
                }
                if (victim == null) {
                    refuse = true;
                } else {
                    forget(victim);
                }
            } else if (limiting && open.size() < connectionsMax * 9L / 10) {
                limiting = false;
                LOG.info("connection limit {} cleared ({} connections replaced, {} refused so far)", connectionsMax,
                        evicted.get(), refused.get());
            }
            if (!refuse) {
                Conn c = new Conn(channel, System.nanoTime());
                open.put(channel, c);
                unserved.put(channel, c);
            }
        }
        if (refuse) {
            refused.incrementAndGet();
            IO.close(channel); // Jetty then reports onAcceptFailed
        } else if (victim != null) {
            evicted.incrementAndGet();
            close(victim);
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        closed(channel);
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        closed(channel);
    }

    private void closed(SelectableChannel channel) {
        synchronized (lock) {
            Conn c = open.get(channel);
            if (c != null) {
                forget(c);
            }
        }
    }

    /** A TLS connection was made on a network end point; called before its handshake starts. */
    void opened(EndPoint network, SslConnection tls, java.util.concurrent.Executor executor) {
        boolean gone;
        synchronized (lock) {
            Conn c = network instanceof SelectableChannelEndPoint s ? open.get(s.getChannel()) : null;
            gone = c == null;
            if (c != null) {
                c.endPoint = network;
                c.engine = tls.getSSLEngine();
                byEngine.put(c.engine, c);
            }
        }
        if (gone) {
            // Replaced before its end point existed; its channel is closed already.
            executor.execute(network::close);
        } else {
            tls.addHandshakeListener(this);
        }
    }

    @Override
    public void handshakeSucceeded(Event event) throws SSLException {
        Conn c = byEngine.get(event.getSSLEngine());
        if (c == null) {
            return;
        }
        String id;
        try {
            Certificate[] peer = event.getSSLEngine().getSession().getPeerCertificates();
            if (peer.length == 0 || !(peer[0] instanceof X509Certificate cert)) {
                return;
            }
            id = Certificates.keyId(cert);
        } catch (SSLPeerUnverifiedException e) {
            return; // no client certificate
        }
        synchronized (lock) {
            if (c.forgotten || c.identity != null) {
                return;
            }
            int n = perIdentity.getOrDefault(id, 0);
            if (n >= perIdentityMax) {
                identityRefused.incrementAndGet();
                throw new SSLException("the client identity " + id + " has " + n
                        + " connections open, the most allowed (connectionsPerIdentityMax)");
            }
            perIdentity.put(id, n + 1);
            c.identity = id;
        }
    }

    /**
     * A request head arrived: its connection is served from now on, and has one more request in
     * progress. Returns the connection to give back to {@link #requestEnded}, or null.
     */
    Object requestStarted(Request request) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        while (ep instanceof EndPoint.Wrapper w) {
            ep = w.unwrap();
        }
        if (!(ep instanceof SelectableChannelEndPoint s)) {
            return null;
        }
        Conn c = open.get(s.getChannel());
        if (c == null) {
            return null;
        }
        c.active.incrementAndGet();
        if (!c.served) {
            synchronized (lock) {
                c.served = true;
                unserved.remove(c.channel);
            }
        }
        return c;
    }

    /** The request of {@link #requestStarted} is over; status 101 means the connection is a WebSocket now. */
    void requestEnded(Object connection, int status) {
        Conn c = (Conn) connection;
        if (status == 101) {
            c.upgraded = true;
        }
        c.active.decrementAndGet();
    }

    private Conn oldestUnserved() {
        Iterator<Conn> it = unserved.values().iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** The served connection idle longest, if it may make room: see {@link #EVICTABLE_IDLE_MS}. */
    private Conn longestIdle() {
        Conn best = null;
        long bestIdle = EVICTABLE_IDLE_MS - 1;
        for (Conn c : open.values()) {
            if (c.served && !c.upgraded && c.active.get() == 0 && c.endPoint instanceof IdleTimeout t) {
                long idle = t.getIdleFor();
                if (idle > bestIdle) {
                    best = c;
                    bestIdle = idle;
                }
            }
        }
        return best;
    }

    private void closeExpired() {
        List<Conn> late = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (lock) {
            for (Iterator<Conn> it = unserved.values().iterator(); it.hasNext();) {
                Conn c = it.next();
                if (now - c.acceptedNanos < firstRequestTimeoutNanos) {
                    break; // the rest are younger
                }
                it.remove();
                forget(c);
                late.add(c);
            }
        }
        expired.addAndGet(late.size());
        late.forEach(ConnectionGuard::close);
    }

    /** Drops a connection from the books; under {@link #lock}. */
    private void forget(Conn c) {
        if (c.forgotten) {
            return;
        }
        c.forgotten = true;
        open.remove(c.channel);
        unserved.remove(c.channel);
        if (c.engine != null) {
            byEngine.remove(c.engine);
        }
        if (c.identity != null) {
            perIdentity.computeIfPresent(c.identity, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    private static void close(Conn c) {
        EndPoint ep = c.endPoint;
        if (ep != null) {
            ep.close();
        } else {
            IO.close(c.channel); // accepted, end point not made yet: Jetty fails to register or to read it
        }
    }

    /** Connections accepted and not closed. */
    int openConnections() {
        return open.size();
    }

    /** Connections that delivered no request head yet. */
    int unservedConnections() {
        synchronized (lock) {
            return unserved.size();
        }
    }

    /** New connections closed at once because every open one was busy or recently active. */
    long refusedConnections() {
        return refused.get();
    }

    /** Connections closed to make room for a new one. */
    long replacedConnections() {
        return evicted.get();
    }

    /** Connections closed because they sent no complete request head within the first-request timeout. */
    long expiredConnections() {
        return expired.get();
    }

    /** TLS handshakes failed because their client identity had connectionsPerIdentityMax open. */
    long identityRefusedConnections() {
        return identityRefused.get();
    }
}
