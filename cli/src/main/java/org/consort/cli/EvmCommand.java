package org.consort.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.consort.evm.fork.Fork;
import org.consort.evm.statetest.StateTestRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code consort evm statetest}: runs Ethereum GeneralStateTests fixtures against Consort's EVM,
 * the way other clients' state-test tools do. Exit codes: 0 nothing failed, 1 some case failed,
 * 2 bad arguments or unreadable paths.
 */
@Command(name = "evm", mixinStandardHelpOptions = true, description = "Ethereum Virtual Machine tools.",
        subcommands = {EvmCommand.StateTest.class})
public final class EvmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code consort evm statetest [--fork NAME] [--run REGEX] [--json] PATH...}. */
    @Command(name = "statetest", mixinStandardHelpOptions = true,
            description = {"Run GeneralStateTests fixtures (files or folders, recursively): every case of every fork "
                    + "in 'post' (Berlin, London, Paris, Shanghai, Cancun; other forks are skipped).",
                    "Prints one line per failing case, then 'N passed, M failed[, K skipped]'."})
    public static final class StateTest implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--fork", paramLabel = "NAME", description = "Only this fork (as named in the fixtures, e.g. Cancun).")
        String fork;

        @Option(names = "--run", paramLabel = "REGEX", description = "Only tests whose name contains a match of REGEX.")
        String run;

        @Option(names = "--json", description = "Print one JSON result object per case ({name, pass, stateRoot, fork, error}).")
        boolean json;

        @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: number of processors).")
        int threads = Runtime.getRuntime().availableProcessors();

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Fixture files or folders.")
        List<Path> paths;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (fork != null && Fork.byName(fork).isEmpty()) {
                err.println("evm statetest: unsupported fork '" + fork + "' (supported: Berlin, London, Paris, Shanghai, Cancun)");
                return 2;
            }
            Optional<Pattern> pattern;
            try {
                pattern = run == null ? Optional.empty() : Optional.of(Pattern.compile(run));
            } catch (PatternSyntaxException e) {
                err.println("evm statetest: bad --run pattern: " + e.getDescription());
                return 2;
            }
            if (threads < 1) {
                err.println("evm statetest: --threads must be at least 1");
                return 2;
            }
            try {
                int code = StateTestRunner.execute(paths, new StateTestRunner.Options(Optional.ofNullable(fork), pattern,
                        threads), json, line -> {
                            out.println(line);
                            out.flush();
                        });
                out.flush();
                return code;
            } catch (IOException e) {
                err.println("evm statetest: " + e.getMessage());
                return 2;
            }
        }
    }
}
