package org.consort.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.consort.node.Node;
import org.consort.node.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code consort node ...}: run a node process. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a Consort node.",
        subcommands = {NodeCommand.Start.class, NodeCommand.Join.class, NodeCommand.Recover.class})
public final class NodeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Starts a node: a new service on an empty ledger folder, or a restart from an existing ledger. */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a node: creates the service on an empty ledger folder, or restarts from its ledger.")
    public static final class Start implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "Node configuration file (JSON).")
        Path config;

        @Override
        public Integer call() throws Exception {
            NodeConfig cfg = readConfig(config, "start");
            return cfg == null ? 2 : run(cfg, "start");
        }
    }

    /**
     * Joins a node to an existing service: the node asks the target to admit it and waits
     * (Pending) until members vote {@code transition_node_to_trusted}. Restarts like {@code start}.
     */
    @Command(name = "join", mixinStandardHelpOptions = true,
            description = "Join an existing service: ask a node of it to admit this one, wait to be trusted, catch up.")
    public static final class Join implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "Node configuration file (JSON).")
        Path config;

        @Option(names = "--target", description = "URL of any node of the service (overrides join.target).")
        String target;

        @Option(names = "--service-cert", description = "The service certificate PEM file (overrides join.serviceCert).")
        Path serviceCert;

        @Override
        public Integer call() throws Exception {
            NodeConfig cfg = readConfig(config, "join");
            if (cfg == null) {
                return 2;
            }
            try {
                NodeConfig.Join join = cfg.join();
                String t = target != null ? target : join == null ? null : join.target();
                String sc = serviceCert != null ? serviceCert.toAbsolutePath().toString() : join == null ? null : join.serviceCert();
                if (t == null || sc == null) {
                    System.err.println("consort node join: give --target and --service-cert, or 'join' in the config");
                    return 2;
                }
                cfg = new NodeConfig(cfg.nodeDir(), cfg.ledgerDir(), cfg.host(), cfg.port(), cfg.initialMembers(),
                        cfg.initialUsers(), cfg.signatureIntervalEntries(), cfg.signatureIntervalMs(), cfg.ledgerChunkBytes(),
                        cfg.fsync(), cfg.limits(), cfg.raftPort(), new NodeConfig.Join(t, sc), cfg.replication(), cfg.ethereum(),
                        cfg.nodeKeyCurve());
            } catch (IllegalArgumentException e) {
                System.err.println("consort node join: " + e.getMessage());
                return 2;
            }
            return run(cfg, "join");
        }
    }

    /**
     * Recovers a lost service: the node starts a new service identity from a copy of the old
     * ledger (the config's ledgerDir, with an empty nodeDir), replays its public state and waits
     * for members to vote it open and submit their recovery shares.
     */
    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Recover a lost service from a copy of its ledger (ledgerDir of the config; empty nodeDir).")
    public static final class Recover implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "Node configuration file (JSON).")
        Path config;

        @Override
        public Integer call() throws Exception {
            NodeConfig cfg = readConfig(config, "recover");
            return cfg == null ? 2 : run(cfg, "recover");
        }
    }

    /** The config, or null after printing why it cannot be read. */
    static NodeConfig readConfig(Path config, String verb) throws java.io.IOException {
        try {
            return NodeConfig.read(config);
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("consort node " + verb + ": no such config file: " + config);
        } catch (IllegalArgumentException e) {
            System.err.println("consort node " + verb + ": " + e.getMessage());
        }
        return null;
    }

    static int run(NodeConfig cfg, String verb) throws InterruptedException {
        Node node;
        try {
            node = verb.equals("recover") ? Node.recover(cfg) : Node.start(cfg);
        } catch (Node.StartFailure e) {
            System.err.println("consort node " + verb + ": " + e.getMessage());
            return 3;
        }
        Signals.onTerminate(node::close);
        node.awaitTermination();
        return 0;
    }
}
