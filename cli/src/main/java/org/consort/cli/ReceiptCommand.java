package org.consort.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import org.consort.common.Hex;
import org.consort.ledger.ReceiptVerifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code consort receipt verify FILE --service-cert FILE}: verifies a JSON or COSE receipt
 * offline (the form is detected from the first byte). Exit codes: 0 valid, 1 invalid, 2 bad
 * arguments or unreadable input.
 */
@Command(name = "receipt", mixinStandardHelpOptions = true, description = "Verify transaction receipts offline.",
        subcommands = {ReceiptCommand.Verify.class})
public final class ReceiptCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Receipts are small; anything bigger is not one. */
    static final long MAX_RECEIPT_BYTES = 1 << 20;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code consort receipt verify}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Verify a JSON or COSE receipt with the service certificate.")
    public static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Receipt files: JSON, or COSE_Sign1 (CBOR).")
        java.util.List<Path> files;

        @Option(names = "--service-cert", required = true, paramLabel = "FILE", description = "Service certificate (PEM).")
        Path serviceCert;

        /** Exit code: 0 when every receipt verifies, 1 when one does not, 2 when a file cannot be read. */
        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            X509Certificate cert = LedgerCommand.readCertificate(serviceCert, err, "consort receipt verify");
            if (cert == null) {
                return 2;
            }
            int worst = 0;
            for (Path file : files) {
                worst = Math.max(worst, verifyOne(file, cert, out, err));
            }
            out.flush();
            err.flush();
            return worst;
        }

        private static int verifyOne(Path file, X509Certificate cert, PrintWriter out, PrintWriter err) throws IOException {
            String prefix = file + ": ";
            byte[] bytes;
            try {
                if (Files.size(file) > MAX_RECEIPT_BYTES) {
                    err.println("consort receipt verify: " + file + " is larger than " + MAX_RECEIPT_BYTES + " bytes: not a receipt");
                    return 2;
                }
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                err.println("consort receipt verify: no such receipt file: " + file);
                return 2;
            }
            try {
                ReceiptVerifier.Verified v = ReceiptVerifier.verify(bytes, cert);
                out.println(prefix + "receipt OK (" + v.format() + "): transaction " + v.txId() + " signed by node "
                        + v.nodeId() + (v.signatureTxId() == null ? "" : " at " + v.signatureTxId()) + ", root "
                        + Hex.encode(v.root()));
                return 0;
            } catch (ReceiptVerifier.ReceiptVerificationException e) {
                out.println(prefix + "receipt INVALID: " + e.getMessage());
                return 1;
            }
        }
    }
}
