package org.consort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code consort recovery ...}: a member's part in recovering a lost service. */
@Command(name = "recovery", mixinStandardHelpOptions = true, description = "Recovery of a lost service by its members.",
        subcommands = {RecoveryCommand.SubmitShare.class})
public final class RecoveryCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Fetches this member's recovery share, decrypts it locally with the member's encryption key
     * and submits it signed. Exit 0 when accepted (the output says how many shares are in).
     */
    @Command(name = "submit-share", mixinStandardHelpOptions = true,
            description = "Decrypt this member's recovery share locally and submit it (after members voted the recovered service open).")
    static final class SubmitShare implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        GovCommand.Connection connection;
        @Option(names = "--encryption-key", description = "The member's recovery encryption private key (PEM); with "
                + "--network, the member's encryptionPrivateKey by default.")
        Path encryptionKey;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path keyFile = encryptionKey;
            if (keyFile == null && connection.network != null) {
                JsonNode m = JSON.readTree(connection.network.toFile()).withArray("members").path(connection.member);
                if (m.hasNonNull("encryptionPrivateKey")) {
                    keyFile = Path.of(m.get("encryptionPrivateKey").asText());
                }
            }
            if (keyFile == null) {
                err.println("consort recovery submit-share: give --encryption-key FILE");
                err.flush();
                return 2;
            }
            try {
                MemberClient member = connection.connect();
                ConsortClient.Response r = member.submitRecoveryShare(Pem.readRsaPrivateKey(Files.readString(keyFile)));
                if (r.status() >= 300) {
                    err.println("consort recovery submit-share: refused (" + r.status() + "): " + r.text());
                    err.flush();
                    return 1;
                }
                out.println(connection.json ? r.text() : "share accepted: " + r.json().path("submitted").asInt() + " of "
                        + r.json().path("threshold").asInt() + (r.json().path("complete").asBoolean()
                        ? "; the threshold is reached and the node restores the service" : ""));
                out.flush();
                return 0;
            } catch (NoSuchFileException e) {
                err.println("consort recovery submit-share: no such file: " + e.getFile());
                err.flush();
                return 2;
            } catch (IllegalArgumentException | java.io.IOException e) {
                err.println("consort recovery submit-share: " + e.getMessage());
                err.flush();
                return 1;
            }
        }
    }
}
