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
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code consort gov ...}: a member proposes, votes, withdraws and reads proposals. Every
 * state-changing request is signed locally with the member's key; the key never leaves this
 * process. Exit codes: 0 done, 1 refused by the service, 2 bad usage or unreadable files.
 */
@Command(name = "gov", mixinStandardHelpOptions = true, description = "Member governance: proposals and votes.",
        subcommands = {GovCommand.Propose.class, GovCommand.Vote.class, GovCommand.Withdraw.class, GovCommand.ListProposals.class,
                GovCommand.Show.class, GovCommand.Activate.class})
public final class GovCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where to send requests and as which member: explicit files, or a sandbox's network.json. */
    static final class Connection {
        @Option(names = "--url", description = "Node URL, e.g. https://127.0.0.1:8000.")
        String url;
        @Option(names = "--cert", description = "Member certificate (PEM).")
        Path cert;
        @Option(names = "--key", description = "Member private key (PEM).")
        Path key;
        @Option(names = "--service-cert", description = "Service certificate (PEM).")
        Path serviceCert;
        @Option(names = "--network", description = "A sandbox's network.json (instead of --url/--cert/--key/--service-cert).")
        Path network;
        @Option(names = "--member", defaultValue = "0", description = "With --network: which member (default: ${DEFAULT-VALUE}).")
        int member;
        @Option(names = "--json", description = "Print the service's JSON answer.")
        boolean json;

        MemberClient connect() throws Exception {
            if (network != null) {
                JsonNode n = JSON.readTree(network.toFile());
                JsonNode m = n.withArray("members").path(member);
                if (m.isMissingNode()) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "network.json has no member " + member);
                }
                return MemberClient.connect(n.at("/nodes/0/url").asText(), Path.of(n.get("serviceCert").asText()),
                        Path.of(m.get("cert").asText()), Path.of(m.get("key").asText()));
            }
            if (url == null || cert == null || key == null || serviceCert == null) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "give --network FILE [--member N], or all of --url, --cert, --key and --service-cert");
            }
            return MemberClient.connect(url, serviceCert, cert, key);
        }
    }

    /** Prints an answer: the JSON with --json, else "proposalId state"; returns the exit code. */
    static int answer(Connection c, ConsortClient.Response r, PrintWriter out, PrintWriter err) {
        if (r.status() >= 300) {
            err.println("consort gov: refused (" + r.status() + "): " + r.text());
            err.flush();
            return 1;
        }
        if (c.json) {
            out.println(r.text());
        } else {
            JsonNode j = r.json();
            out.println(j.has("proposalId") ? j.get("proposalId").asText() + " " + j.path("state").asText() : j.toString());
        }
        out.flush();
        return 0;
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                return answer(connection, send(connection.connect()), out, err);
            } catch (NoSuchFileException e) {
                err.println("consort gov: no such file: " + e.getFile());
                err.flush();
                return 2;
            }
        }

        abstract ConsortClient.Response send(MemberClient member) throws Exception;
    }

    @Command(name = "propose", mixinStandardHelpOptions = true,
            description = "Create a proposal from a JSON file: {\"actions\": [{\"name\": ..., \"args\": {...}}]}.")
    static final class Propose extends Base {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            return member.propose(Files.readString(file));
        }
    }

    @Command(name = "vote", mixinStandardHelpOptions = true, description = "Vote on a proposal.")
    static final class Vote extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String proposalId;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Choice choice;

        static final class Choice {
            @Option(names = "--accept", description = "Vote for it.")
            boolean accept;
            @Option(names = "--reject", description = "Vote against it.")
            boolean reject;
            @Option(names = "--ballot", paramLabel = "FILE.js", description = "A JavaScript ballot exporting vote(proposal, proposerId).")
            Path ballot;
        }

        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            String ballot = choice.ballot != null ? Files.readString(choice.ballot)
                    : choice.accept ? MemberClient.ACCEPT_BALLOT : MemberClient.REJECT_BALLOT;
            return member.vote(proposalId, ballot);
        }
    }

    @Command(name = "withdraw", mixinStandardHelpOptions = true, description = "Withdraw your open proposal.")
    static final class Withdraw extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String proposalId;

        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            return member.withdraw(proposalId);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List proposals and their states.")
    static final class ListProposals extends Base {
        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            return member.proposals();
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ConsortClient.Response r = send(connection.connect());
            if (r.status() >= 300 || connection.json) {
                return answer(connection, r, out, spec.commandLine().getErr());
            }
            for (JsonNode p : r.json().withArray("value")) {
                out.println(p.path("proposalId").asText() + " " + p.path("state").asText());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a proposal's state and votes.")
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String proposalId;

        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            return member.proposal(proposalId);
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true,
            description = "Acknowledge the state digest: an Accepted member becomes Active.")
    static final class Activate extends Base {
        @Override
        ConsortClient.Response send(MemberClient member) throws Exception {
            return member.activate();
        }
    }
}
