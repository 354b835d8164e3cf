package org.consort.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Pem;
import org.consort.node.NodeFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code consort keys new member|user}: a key pair and self-signed certificate, made locally. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Make identities locally.",
        subcommands = {KeysCommand.New.class})
public final class KeysCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Make an ECDSA P-384 key (owner-only file) and a self-signed certificate; prints the id.")
    static final class New implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "member|user")
        String kind;
        @Option(names = "--name", required = true, description = "Common name, also the file prefix.")
        String name;
        @Option(names = "--out", defaultValue = ".", description = "Folder for NAME_cert.pem and NAME_privk.pem.")
        Path out;
        @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            if (!kind.equals("member") && !kind.equals("user")) {
                System.err.println("consort keys new: the kind is 'member' or 'user', not '" + kind + "'");
                return 2;
            }
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                System.err.println("consort keys new: --name must be 1-64 letters, digits, '.', '_' or '-'");
                return 2;
            }
            Path cert = out.resolve(name + "_cert.pem");
            Path key = out.resolve(name + "_privk.pem");
            if (Files.exists(key) || Files.exists(cert)) {
                System.err.println("consort keys new: " + key + " or " + cert + " exists; not overwriting");
                return 2;
            }
            Files.createDirectories(out);
            SecureRandom random = new SecureRandom();
            KeyPair kp = EcCurve.P384.generateKeyPair(random);
            X509Certificate c = Certificates.selfSigned(kp, name, Instant.now().minus(Duration.ofMinutes(5)),
                    Duration.ofDays(days), random);
            NodeFiles.writePrivate(key, Pem.privateKey(kp.getPrivate()));
            Files.writeString(cert, Pem.certificate(c));
            System.out.println(Certificates.keyId(c));
            System.out.println("certificate: " + cert.toAbsolutePath());
            System.out.println("private key: " + key.toAbsolutePath() + " (keep it on this machine)");
            if (kind.equals("member")) {
                // A member also holds a recovery encryption key: its recovery share is encrypted to it.
                Path encPub = out.resolve(name + "_enc_pubk.pem");
                Path encPriv = out.resolve(name + "_enc_privk.pem");
                KeyPair enc = org.consort.crypto.RecoveryKeys.generate(random);
                NodeFiles.writePrivate(encPriv, Pem.privateKey(enc.getPrivate()));
                Files.writeString(encPub, Pem.publicKey(enc.getPublic()));
                System.out.println("recovery encryption key: " + encPub.toAbsolutePath() + " (public, for set_member's"
                        + " encryption_pub_key) and " + encPriv.toAbsolutePath() + " (keep it on this machine)");
            }
            return 0;
        }
    }
}
