package org.consort.governance;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.kv.CommitResult;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;

/** A store with governance initialised for n Active members, and helpers to sign and run requests. */
final class GovFixture {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Duration WINDOW = Duration.ofMinutes(5);
    static final ConstitutionRuntime RUNTIME = new ConstitutionRuntime(ConstitutionLimits.defaults());
    private static final SecureRandom RANDOM = new SecureRandom(new byte[] {7});

    final Store store = new Store(StoreConfig.defaults());
    final GovernanceService gov = new GovernanceService(RUNTIME, WINDOW);
    final List<Identity> members = new ArrayList<>();
    final List<KeyPair> encryptionKeys = new ArrayList<>();
    final Identity service = identity("service", EcCurve.P384);

    GovFixture(int memberCount, boolean withEncryptionKeys, int recoveryThreshold) {
        List<Genesis.Member> first = new ArrayList<>();
        for (int i = 0; i < memberCount; i++) {
            Identity m = identity("member" + i, EcCurve.P256);
            members.add(m);
            String enc = null;
            if (withEncryptionKeys) {
                KeyPair kp = rsa();
                encryptionKeys.add(kp);
                enc = rsaPem(kp);
            }
            first.add(new Genesis.Member(m.certificatePem(), enc, "{\"n\":" + i + "}", MemberStatus.Active));
        }
        run(tx -> {
            gov.initialize(tx, new Genesis(service.certificatePem(), first, List.of(), DefaultConstitution.text(),
                    recoveryThreshold));
            return null;
        });
    }

    static Identity identity(String cn, EcCurve curve) {
        KeyPair kp = curve.generateKeyPair(RANDOM);
        return new Identity(kp.getPrivate(), Certificates.selfSigned(kp, cn, NOW.minus(Duration.ofDays(1)),
                Duration.ofDays(365), RANDOM));
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String rsaPem(KeyPair kp) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** Runs body in a transaction and commits it only if body returns normally. */
    <T> T run(Function<WriteTx, T> body) {
        WriteTx tx = store.writeTx();
        T result = body.apply(tx);
        CommitResult r = store.commit(tx);
        if (!(r instanceof CommitResult.Committed)) {
            throw new IllegalStateException("commit failed: " + r);
        }
        return result;
    }

    static byte[] signed(Identity who, MessageType type, String proposalId, String payload, Instant at) {
        return SignedRequest.sign(who, type, proposalId, payload.getBytes(StandardCharsets.UTF_8), at);
    }

    ProposalStatus propose(int member, String proposalJson) {
        byte[] env = signed(members.get(member), MessageType.PROPOSAL, null, proposalJson, NOW);
        return run(tx -> gov.submitProposal(tx, env, NOW));
    }

    ProposalStatus vote(int member, String proposalId, boolean accept) {
        return ballot(member, proposalId, accept ? DefaultConstitution.ACCEPT_BALLOT : DefaultConstitution.REJECT_BALLOT);
    }

    ProposalStatus ballot(int member, String proposalId, String script) {
        String body = "{\"ballot\":" + quote(script) + "}";
        byte[] env = signed(members.get(member), MessageType.BALLOT, proposalId, body, NOW);
        return run(tx -> gov.vote(tx, proposalId, env, NOW));
    }

    static String quote(String s) {
        try {
            return Json.MAPPER.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String action(String name, String argsJson) {
        return "{\"actions\":[{\"name\":\"" + name + "\",\"args\":" + argsJson + "}]}";
    }
}
