package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.eclipse.jetty.client.ContentResponse;

/**
 * Follows the primary of a network for a load generator.
 *
 * <p>Discovery asks the known nodes, the current primary first, {@code GET
 * /node/network/nodes/primary} (200 with the primary's {@code url}, or 503 {@code NoPrimary}
 * during an election), and accepts a candidate only when its own {@code GET /node/state} says
 * {@code "primary": true}; it retries with backoff until a deadline. When the primary moves,
 * the load client is retargeted and the move is recorded.
 *
 * <p>Rediscovery is single-flight: callers pass the {@link #generation} they saw before the
 * failure that made them suspect a move, and only the first of them rediscovers; the others
 * wait for it (up to their own deadline) and then go on with its result.
 */
final class PrimaryTracker {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Timeout of one question asked during discovery; a node that takes longer is skipped. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
    private static final long PAUSE_MIN_MILLIS = 50;
    private static final long PAUSE_MAX_MILLIS = 1000;

    /** A move of the primary that the tracker followed. */
    record Move(double secondsSinceStart, String from, String to) {
    }

    private final JettyLoadClient control;
    private final Consumer<String> retarget;
    private final ReentrantLock lock = new ReentrantLock();
    /** The URLs of the nodes known, in the order of network.json and then as learned; guarded by lock. */
    private final Set<String> nodes;
    private final List<Move> moves = new CopyOnWriteArrayList<>();
    private final long startNanos = System.nanoTime();
    private volatile String primary;
    private volatile long generation;

    /**
     * @param control a client for the questions (by absolute URL), the commit poller and status checks
     * @param load    the client of the load, retargeted when the primary moves
     * @param nodes   the nodes' URLs
     * @param guess   the node believed to be the primary (e.g. flagged so in network.json)
     */
    PrimaryTracker(JettyLoadClient control, JettyLoadClient load, Collection<String> nodes, String guess) {
        this(control, load::retarget, nodes, guess);
    }

    /**
     * @param retarget points the load at a node's URL (e.g. each of many clients), called with
     *                 {@code guess} at once and with the new primary whenever it moves
     */
    PrimaryTracker(JettyLoadClient control, Consumer<String> retarget, Collection<String> nodes, String guess) {
        this.control = control;
        this.retarget = retarget;
        this.nodes = new LinkedHashSet<>(nodes);
        this.primary = guess;
        retarget.accept(guess);
    }

    /** The URL of the primary as last discovered. */
    String primary() {
        return primary;
    }

    /** Changes each time a rediscovery ends; see {@link #rediscover}. */
    long generation() {
        return generation;
    }

    /** The moves followed, oldest first. */
    List<Move> moves() {
        return List.copyOf(moves);
    }

    /**
     * Finds the primary before the load starts (network.json may be older than the last
     * election); not counted as a move. Returns whether one was found before {@code untilNanos}.
     */
    boolean start(long untilNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Optional<String> found = find(untilNanos);
            found.ifPresent(url -> {
                primary = url;
                retarget.accept(url);
            });
            return found.isPresent();
        } finally {
            generation++;
            lock.unlock();
        }
    }

    /**
     * After a failure suggesting that the primary moved: unless a rediscovery ended since
     * {@code seenGeneration}, looks for the primary until {@code untilNanos} and follows it.
     * Returns false when no primary was found or this caller's deadline passed while another
     * caller was rediscovering.
     */
    boolean rediscover(long seenGeneration, long untilNanos) throws InterruptedException {
        if (!lock.tryLock(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
        }
        try {
            if (generation != seenGeneration) {
                return true;
            }
            Optional<String> found = find(untilNanos);
            found.ifPresent(this::follow);
            return found.isPresent();
        } finally {
            generation++;
            lock.unlock();
        }
    }

    /**
     * Asks the primary whether it still is (a backup forwards writes, so the load would not
     * notice a move by its errors alone); rediscovers when it says no or cannot be asked.
     */
    void check(long untilNanos) throws InterruptedException {
        long seen = generation;
        if (!isPrimary(primary)) {
            rediscover(seen, untilNanos);
        }
    }

    /**
     * GETs {@code path} from the primary until it answers 200, following the primary when the
     * answer or failure suggests it moved and pausing after other failures; throws when
     * {@code untilNanos} passes first.
     */
    JsonNode getFromPrimary(String path, long untilNanos) throws IOException, InterruptedException {
        String last = "no answer";
        long pause = PAUSE_MIN_MILLIS;
        while (System.nanoTime() < untilNanos) {
            long seen = generation;
            try {
                ContentResponse r = control.getAt(primary, path);
                if (r.getStatus() == 200) {
                    return JSON.readTree(r.getContent());
                }
                last = LoadErrors.kindOf(r.getStatus(), r.getContentAsString());
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = LoadErrors.kindOf(e);
            }
            if (LoadErrors.suggestsPrimaryMoved(last)) {
                rediscover(seen, untilNanos);
            } else {
                Thread.sleep(pause);
                pause = Math.min(2 * pause, PAUSE_MAX_MILLIS);
            }
        }
        throw new IOException("GET " + path + " got no answer from the primary in time (last: " + last + ")");
    }

    /** Asks the nodes (the current primary first) until a confirmed primary is found or the deadline passes. */
    private Optional<String> find(long untilNanos) throws InterruptedException {
        long pause = PAUSE_MIN_MILLIS;
        while (true) {
            List<String> order = new ArrayList<>();
            order.add(primary);
            order.addAll(nodes);
            for (String node : new LinkedHashSet<>(order)) {
                if (System.nanoTime() >= untilNanos) {
                    return Optional.empty();
                }
                Optional<String> candidate = primaryAccordingTo(node);
                if (candidate.isPresent() && isPrimary(candidate.get())) {
                    nodes.add(candidate.get());
                    return candidate;
                }
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) >= untilNanos) {
                return Optional.empty();
            }
            Thread.sleep(pause);
            pause = Math.min(2 * pause, PAUSE_MAX_MILLIS);
        }
    }

    private void follow(String url) {
        String from = primary;
        if (url.equals(from)) {
            return;
        }
        primary = url;
        retarget.accept(url);
        Move move = new Move(Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0, from, url);
        moves.add(move);
        System.err.printf("load: primary moved from %s to %s (%.1f s)%n", from, url, move.secondsSinceStart());
    }

    /** The primary's URL according to {@code node} ({@code GET /node/network/nodes/primary}), if it answers. */
    private Optional<String> primaryAccordingTo(String node) throws InterruptedException {
        JsonNode answer = ask(node, "/node/network/nodes/primary");
        String url = answer == null ? "" : answer.path("url").asText("");
        return url.isEmpty() ? Optional.empty() : Optional.of(url);
    }

    /** Whether {@code node} says it is the primary ({@code GET /node/state}, field {@code primary}). */
    private boolean isPrimary(String node) throws InterruptedException {
        JsonNode state = ask(node, "/node/state");
        return state != null && state.path("primary").asBoolean(false);
    }

    /** The JSON of a 200 answer of {@code node}, or null when it answers otherwise or not in time. */
    private JsonNode ask(String node, String path) throws InterruptedException {
        try {
            ContentResponse r = control.getAt(node, path, ASK_TIMEOUT);
            return r.getStatus() == 200 ? JSON.readTree(r.getContent()) : null;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return null;
        }
    }
}
