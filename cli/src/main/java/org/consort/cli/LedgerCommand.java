package org.consort.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.consort.crypto.Pem;
import org.consort.ledger.LedgerCorruptException;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.LedgerShow;
import org.consort.ledger.LedgerBase;
import org.consort.ledger.LedgerVerifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code consort ledger verify|show}: offline tools over a ledger directory (format in
 * docs/ledger-format.md). Exit codes: 0 good, 1 the ledger is bad, 2 bad arguments or
 * unreadable input.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Inspect and verify ledger directories offline.",
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Show.class})
public final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads a PEM certificate file, or prints why not and returns null. */
    static X509Certificate readCertificate(Path file, PrintWriter err, String command) {
        try {
            return Pem.readCertificate(Files.readString(file));
        } catch (NoSuchFileException e) {
            err.println(command + ": no such certificate file: " + file);
        } catch (IOException | IllegalArgumentException e) {
            err.println(command + ": cannot read certificate " + file + ": " + e.getMessage());
        }
        return null;
    }

    /** {@code consort ledger verify DIR --service-cert FILE}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify every entry, Merkle root and signature of a ledger directory against the service certificate.")
    public static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "Ledger directory (ledger_*.committed / ledger_*.open files).")
        Path dir;

        @Option(names = "--service-cert", required = true, paramLabel = "FILE",
                description = "Service certificate (PEM). Repeat it for a ledger a recovered service continued: "
                        + "the previous service's certificate endorses the nodes that signed before the recovery.")
        List<Path> serviceCerts;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir)) {
                err.println("consort ledger verify: not a directory: " + dir);
                return 2;
            }
            List<X509Certificate> certs = new java.util.ArrayList<>();
            for (Path f : serviceCerts) {
                X509Certificate cert = readCertificate(f, err, "consort ledger verify");
                if (cert == null) {
                    return 2;
                }
                certs.add(cert);
            }
            LedgerVerifier.Report r = LedgerVerifier.verify(dir, certs);
            double secs = r.elapsed().toNanos() / 1e9;
            out.printf(Locale.ROOT, "ledger %s: %d chunk files, %d entries and %d signatures checked in %.3f s (%.0f entries/s)%n",
                    dir, r.chunkFiles(), r.entriesChecked(), r.signaturesChecked(), secs, r.entriesPerSecond());
            r.base().ifPresent(b -> out.printf(Locale.ROOT, "starts after seqno %d (%s): the node started from a snapshot;"
                    + " the base's Merkle peaks are checked by the first signature after it%n", b.last().seqno(), LedgerBase.FILE));
            out.printf(Locale.ROOT, "last signature: %s; unsigned trailing entries: %d%n",
                    r.signaturesChecked() == 0 ? "none" : r.lastSignedTxId().toString(), r.unsignedTrailingEntries());
            r.tornTail().ifPresent(t -> out.println("torn tail (not an error; a node truncates it on start): " + t));
            if (r.chunkFiles() == 0) {
                out.println("no ledger chunk files (ledger_*.committed, ledger_*.open) in " + dir);
                out.flush();
                return 1;
            }
            if (r.firstBadEntry().isPresent()) {
                out.println("first bad entry: " + r.firstBadEntry().get());
                out.flush();
                return 1;
            }
            out.println("OK");
            out.flush();
            return 0;
        }
    }

    /** {@code consort ledger show DIR [--secrets FILE]}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the entries of a ledger directory as JSON lines; private parts only with --secrets.")
    public static final class Show implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "Ledger directory.")
        Path dir;

        @Option(names = "--secrets", paramLabel = "FILE",
                description = "Ledger secrets, JSON {\"secrets\":[{\"version\":1,\"key\":\"<base64>\"}]}, to decrypt private parts.")
        Path secretsFile;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir)) {
                err.println("consort ledger show: not a directory: " + dir);
                return 2;
            }
            LedgerSecrets secrets = null;
            if (secretsFile != null) {
                try {
                    secrets = LedgerSecrets.fromJson(Files.readString(secretsFile));
                } catch (NoSuchFileException e) {
                    err.println("consort ledger show: no such secrets file: " + secretsFile);
                    return 2;
                } catch (IllegalArgumentException e) {
                    err.println("consort ledger show: " + secretsFile + ": " + e.getMessage());
                    return 2;
                }
            }
            try {
                LedgerShow.show(dir, secrets, out::println);
            } catch (LedgerCorruptException e) {
                out.flush();
                err.println("consort ledger show: bad entry: " + e.getMessage());
                return 1;
            }
            out.flush();
            return 0;
        }
    }
}
