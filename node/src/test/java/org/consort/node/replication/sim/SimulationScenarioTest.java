package org.consort.node.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.consort.node.replication.EntryBatch;
import org.consort.node.replication.LogReplicator;
import org.consort.node.replication.sim.SimulatedNetwork.SimNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Failures the simulation found, written out step by step so each stays fixed whatever the
 * random driver does. Each scenario ends with the same checks as a simulated run.
 */
class SimulationScenarioTest {
    /**
     * Two entries per batch; a signature when a view starts and 20 ms after an unsigned entry
     * (the clock moves only when a scenario moves it), never by count.
     */
    private static final SimulatedNetwork.Plan PLAN = new SimulatedNetwork.Plan(3,
            new LogReplicator.Settings(1000, 20, false, 16, 2, 1 << 20, 4,
                    (1 << 20) - EntryBatch.HEADER_BYTES - EntryBatch.PER_ENTRY_BYTES), false, 1);

    private SimulatedNetwork net;
    private Level savedLevel;

    @BeforeEach
    void start() throws IOException {
        Logger consort = (Logger) LoggerFactory.getLogger("org.consort");
        savedLevel = consort.getLevel();
        consort.setLevel(Level.ERROR);
        Path dir = Files.createTempDirectory("consort-sim-scenario-");
        net = new SimulatedNetwork(0, dir, PLAN);
    }

    @AfterEach
    void stop() {
        net.close();
        ((Logger) LoggerFactory.getLogger("org.consort")).setLevel(savedLevel);
    }

    /** Elects {@code leader}, commits its no-op, delivers everything everywhere and lets it sign its first entry. */
    private void lead(int leader) {
        net.group.elect(leader, 0, 0);
        settleLog();
        net.pump(net.nodes.get(leader), 1);
        settleLog();
        net.check();
        assertThat(net.nodes.get(leader).replicator.isPrimary()).isTrue();
    }

    private void settleLog() {
        net.group.commit(Integer.MAX_VALUE);
        for (SimNode n : net.nodes) {
            if (n.up) {
                net.group.deliver(n.index, Integer.MAX_VALUE);
                net.group.signalReadyIfPending(n.index);
            }
        }
    }

    private void healAndCheck() {
        net.heal();
        net.checkHealed();
    }

    /**
     * Found by seed 29 (and 128, 183, 206). A batch that every node ignored because it left a
     * gap (the proposal before it was refused) is applied when a restarted node gets the whole
     * log again, as Ratis replays it without a snapshot: the node's ledger now ends inside that
     * batch's seqnos, so the batch seemed to fit. The entries of a dead view went into the store
     * before the view history refused them, and the node could not start.
     */
    @Test
    void aRestartedNodeReplaysABatchThatEveryNodeIgnored() {
        lead(0); // 1.1, the signature that opens view 1
        SimNode n0 = net.nodes.get(0);
        net.write(n0); // 1.2
        net.group.refuseNextProposal = true;
        net.pump(n0, 1); // [1.2] is refused: never logged
        net.write(n0); // 1.3
        net.write(n0); // 1.4
        net.pump(n0, 1); // [1.3, 1.4] is logged: a gap, since 1.2 is missing
        settleLog();
        assertThat(net.nodes.get(2).replicator.ignoredBatches()).isEqualTo(1);
        assertThat(n0.replicator.isPrimary()).isFalse();
        net.group.runDeferred();

        lead(1); // 2.2, the signature that opens view 2
        SimNode n1 = net.nodes.get(1);
        net.write(n1); // 2.3
        net.pump(n1, 1);
        settleLog();
        net.check();
        SimNode n2 = net.nodes.get(2);
        assertThat(n2.ledger.lastSeqno()).isEqualTo(3);

        net.crash(n2);
        net.restart(n2, true);
        // The replay reaches [1.3, 1.4] with the ledger ending at 3: seqno 4 must not be taken from view 1.
        assertThatCode(() -> net.group.deliver(2, Integer.MAX_VALUE)).doesNotThrowAnyException();
        net.check();
        assertThat(n2.store.version()).isEqualTo(3);
        assertThat(n2.store.digest(3)).isEqualTo(n1.store.digest(3));
        healAndCheck();
    }

    /**
     * A primary that lost the lead and does not know it yet, with nothing speculative (all its
     * entries applied), applies the new primary's entries and still acts as the primary of its
     * old view: its next transaction took a seqno after the foreign entries while its
     * speculative Merkle frontier did not have them, and the batcher stopped the node.
     */
    @Test
    void aDeposedPrimaryThatAppliesTheNextViewStopsBeingPrimary() {
        lead(0); // 1.1
        SimNode n0 = net.nodes.get(0);
        assertThat(n0.store.version()).isEqualTo(n0.replicator.appliedSeqno());

        net.group.elect(1, 0, 0); // node 0 is not told yet
        settleLog(); // node 1 is ready: 2.2 is requested
        net.pump(net.nodes.get(1), 1);
        settleLog(); // node 0 applies 2.2 from node 1
        assertThat(n0.replicator.appliedSeqno()).isEqualTo(2);
        net.check();

        assertThat(n0.replicator.isPrimary()).as("node 0 applied an entry of view 2").isFalse();
        assertThat(net.write(n0)).isFalse();
        net.pump(n0, 1);
        net.check();
        healAndCheck();
    }

    /**
     * Found by seed 8. A proposal times out (Ratis' client-side timeout) and the log's later
     * answer, that it never logged the batch, is lost behind the timeout. The replicator took
     * a timeout to mean "it will commit, or the view will end"; but the leader goes on, so the
     * primary waited for its entry for ever. When the lost batch ends with a signature, nothing
     * unsigned is left to prompt another one: with no further writes, the commit point never
     * moved again and the view never ended.
     */
    @Test
    void aTimedOutProposalThatWasNeverLoggedDoesNotStallThePrimary() {
        net.group.elect(0, 0, 0);
        settleLog(); // node 0 is ready: its first signature, 1.1, is requested
        SimNode n0 = net.nodes.get(0);
        net.group.refuseNextProposal = true;
        net.pump(n0, 1); // [1.1] never reaches the log, and the refusal is reported later...
        assertThat(net.group.timeOutOldestProposal()).isTrue(); // ... after the proposal timed out
        net.group.runDeferred();
        settleLog();
        net.check();
        assertThat(n0.replicator.isPrimary()).isTrue();
        healAndCheck();
        assertThat(n0.replicator.committedSeqno()).isPositive();
    }

    /**
     * The replicator measures the signature interval on the injected clock, which the node
     * takes from the wall clock. When it steps back (an NTP correction) after an unsigned
     * entry, no signature came until the clock had caught up again: for a step of a minute, the
     * write stayed uncommitted for a minute.
     */
    @Test
    void aWallClockThatStepsBackDoesNotHoldTheNextSignature() {
        lead(0); // 1.1
        SimNode n0 = net.nodes.get(0);
        net.write(n0); // 1.2, unsigned
        net.pump(n0, 1);
        settleLog();
        assertThat(n0.replicator.committedSeqno()).isEqualTo(1);

        net.clock.advanceMillis(-60_000);
        for (int i = 0; i < 3; i++) {
            net.clock.advanceMillis(21); // well past the 20 ms interval, by the clock's own account
            net.pump(n0, 1);
            settleLog();
        }
        net.check();
        assertThat(n0.replicator.committedSeqno()).as("the signature after 1.2").isEqualTo(3);
    }
}
