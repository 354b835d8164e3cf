package org.consort.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.consort.node.Node;
import org.consort.node.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code consort node ...}: run a node process. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a Consort node.",
        subcommands = {NodeCommand.Start.class})
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
            NodeConfig cfg;
            try {
                cfg = NodeConfig.read(config);
            } catch (java.nio.file.NoSuchFileException e) {
                System.err.println("consort node start: no such config file: " + config);
                return 2;
            } catch (IllegalArgumentException e) {
                System.err.println("consort node start: " + e.getMessage());
                return 2;
            }
            Node node;
            try {
                node = Node.start(cfg);
            } catch (Node.StartFailure e) {
                System.err.println("consort node start: " + e.getMessage());
                return 3;
            }
            Signals.onTerminate(node::close);
            node.awaitTermination();
            return 0;
        }
    }
}
