package org.consort.cli;

import org.consort.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/consort}. Each subcommand lives in its own class in this package,
 * except {@code bench}, which lives in the bench module beside the load generators it drives.
 */
@Command(name = "consort", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Consort: a confidential consortium ledger.",
        subcommands = {SandboxCommand.class, NodeCommand.class, LedgerCommand.class, ReceiptCommand.class,
                GovCommand.class, RecoveryCommand.class, KeysCommand.class, EvmCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("consort: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
