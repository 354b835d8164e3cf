package org.consort.node.recovery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import org.consort.crypto.CoseSign1;
import org.consort.governance.GovReads;
import org.consort.governance.GovernanceRefusal;
import org.consort.governance.RecoveryShares;
import org.consort.governance.ServiceStatus;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;
import org.consort.node.service.ServiceMaps;

/**
 * The members' side of a recovery: each fetches its share (encrypted to its own key, so the
 * endpoint is open to anyone) and, once members voted the recovered service open, submits it
 * decrypted in a signed {@code recovery_share} envelope. The share that completes the threshold
 * records the wrapping key they give back (privately); the node then restores the secrets and
 * the private state, and opens the service.
 */
public final class RecoveryEndpoints {
    private final RecoveryShares shares;
    private final InstantSource clock;

    public RecoveryEndpoints(RecoveryShares shares, InstantSource clock) {
        this.shares = shares;
        this.clock = clock;
    }

    public void register(EndpointRegistry registry) {
        registry.get("/gov/service/recovery", AuthPolicy.NO_AUTH)
                .summary("The recovery configuration: threshold, share holders, and the latest ledger secret version the "
                        + "shares cover")
                .readOnly((ctx, tx) -> {
                    ObjectNode o = Json.object();
                    o.put("threshold", GovReads.recoveryThreshold(tx));
                    var holders = o.putArray("shareHolders");
                    Recovery.shareHolders(tx).forEach(holders::add);
                    o.put("latestVersion", Recovery.wrappedLatestVersion(tx));
                    o.put("serviceStatus", GovReads.serviceStatus(tx).map(Enum::name).orElse("Unknown"));
                    return o;
                });
        registry.get("/gov/recovery/encrypted-share/{memberId}", AuthPolicy.NO_AUTH)
                .summary("A member's recovery share, encrypted to its encryption key (RSA-OAEP-256, base64)")
                .readOnly((ctx, tx) -> {
                    String id = ctx.pathParam("memberId");
                    String share = RecoveryShares.encryptedShare(tx, id).orElseThrow(() -> HttpError.notFound(
                            "NoRecoveryShare", "member " + id + " holds no recovery share"));
                    ObjectNode o = Json.object();
                    o.put("encryptedShare", share);
                    return o;
                });
        registry.post("/gov/recovery/members/{memberId}:recover", AuthPolicy.MEMBER_SIGNATURE)
                .summary("Submit a decrypted recovery share: COSE Sign1 envelope (msg_type \"recovery_share\") of "
                        + "{\"share\": base64}; accepted while the service waits for recovery shares")
                .readWrite((ctx, tx) -> {
                    String memberId = ctx.pathParam("memberId");
                    requireSigner(ctx.body(), memberId);
                    ServiceStatus status = GovReads.serviceStatus(tx).orElse(ServiceStatus.Opening);
                    if (status != ServiceStatus.WaitingForRecoveryShares) {
                        throw new HttpError(409, "ServiceNotWaitingForShares", "the service is " + status
                                + "; shares are taken once members have voted a recovered service open");
                    }
                    RecoveryShares.Submission s;
                    try {
                        s = shares.submit(tx, ctx.body(), clock.instant());
                    } catch (GovernanceRefusal r) {
                        throw new HttpError(r.code().httpStatus(), r.code().name(), r.getMessage());
                    } catch (IllegalStateException e) {
                        throw new HttpError(409, "SharesDoNotCombine", e.getMessage());
                    }
                    s.wrappingKey().ifPresent(k -> tx.write(ServiceMaps.RECOVERY_WRAPPING_KEY).put(Recovery.RECOVERED, k));
                    ObjectNode o = Json.object();
                    o.put("submitted", s.submitted());
                    o.put("threshold", s.threshold());
                    o.put("complete", s.wrappingKey().isPresent());
                    return o;
                });
    }

    private static void requireSigner(byte[] envelope, String memberId) {
        String kid;
        try {
            kid = CoseSign1.decode(envelope).kid().map(k -> new String(k, StandardCharsets.UTF_8)).orElse("");
        } catch (RuntimeException e) {
            throw new HttpError(400, "MALFORMED_ENVELOPE", "body is not a COSE Sign1 envelope");
        }
        if (!kid.equals(memberId)) {
            throw new HttpError(403, "SignerMismatch", "the envelope is not signed by member " + memberId);
        }
    }
}
