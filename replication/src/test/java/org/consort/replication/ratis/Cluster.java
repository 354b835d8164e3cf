package org.consort.replication.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.consort.crypto.Identity;
import org.consort.replication.Peer;
import org.consort.replication.RecordingStateMachine;
import org.consort.replication.ReplicationConfig;
import org.consort.replication.TestPki;

/** In-process Ratis nodes on 127.0.0.1 with real mutual TLS, for tests. */
final class Cluster implements AutoCloseable {
    final TestPki pki;
    final UUID group = UUID.randomUUID();
    final Path root;
    final UnaryOperator<ReplicationConfig> tune;
    final Map<String, Member> members = new LinkedHashMap<>();
    final List<Peer> initial = new ArrayList<>();

    static final class Member {
        final Identity identity;
        final Peer peer;
        final Path dir;
        RecordingStateMachine sm;
        RatisReplicatedLog log;

        Member(Identity identity, Peer peer, Path dir) {
            this.identity = identity;
            this.peer = peer;
            this.dir = dir;
        }

        boolean running() {
            return log != null;
        }
    }

    Cluster(Path root, int n, long seed, UnaryOperator<ReplicationConfig> tune) {
        this.root = root;
        this.pki = new TestPki(seed, "consort-test-service");
        this.tune = tune;
        for (int i = 0; i < n; i++) {
            Member m = newMember(i);
            initial.add(m.peer);
        }
    }

    Member newMember(int i) {
        Identity id = pki.newNode("node" + i);
        Peer peer = new Peer(id.id(), "127.0.0.1", freePort());
        Member m = new Member(id, peer, root.resolve("node" + i));
        members.put(peer.id(), m);
        return m;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Cluster startAll() throws IOException {
        for (Member m : members.values()) {
            start(m, initial);
        }
        return this;
    }

    void start(Member m, List<Peer> peers) throws IOException {
        m.sm = new RecordingStateMachine();
        ReplicationConfig c = tune.apply(ReplicationConfig.defaults(group, m.peer, peers, m.dir));
        m.log = RatisReplicatedLog.start(c, m.identity, pki.serviceCertificate(), m.sm, InstantSource.system());
    }

    void stop(Member m) {
        m.log.close();
        m.log = null;
    }

    List<Member> running() {
        return members.values().stream().filter(Member::running).toList();
    }

    /** Waits until exactly one running member is a ready leader, and returns it. */
    Member awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Member> ready = running().stream().filter(m -> m.log.isLeaderReady()).findFirst();
            if (ready.isPresent()) {
                return ready.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no ready leader within " + timeout);
    }

    /** Waits until every running member has applied at least {@code index}. */
    void awaitApplied(long index, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (running().stream().allMatch(m -> m.log.lastAppliedIndex() >= index)) {
                return;
            }
            Thread.sleep(20);
        }
        StringBuilder sb = new StringBuilder();
        running().forEach(m -> sb.append(' ').append(m.log.lastAppliedIndex()));
        throw new AssertionError("not all members applied index " + index + " within " + timeout + ":" + sb);
    }

    /** Closes every running member at once: closed one by one, the survivors keep electing each other. */
    @Override
    public void close() {
        List<Thread> closers = new ArrayList<>();
        for (Member m : members.values()) {
            if (m.running()) {
                Thread t = new Thread(() -> stop(m), "close-" + m.peer.port());
                t.start();
                closers.add(t);
            }
        }
        for (Thread t : closers) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
