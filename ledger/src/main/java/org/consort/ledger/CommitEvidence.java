package org.consort.ledger;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.crypto.Hashes;
import org.consort.crypto.Hmac;

/**
 * Commit evidence: the text {@code "ce:<view>.<seqno>:<64 hex digits>"} whose digest each
 * entry stores, and which only receipts reveal. The 32 bytes are
 * {@code HMAC-SHA256(commitEvidenceKey(secretVersion), "<view>.<seqno>")}: nodes holding the
 * ledger secret can recompute them, nobody else can guess them before a receipt is issued.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class CommitEvidence {
    private static final Pattern FORM = Pattern.compile("ce:(0|[1-9][0-9]{0,18})\\.(0|[1-9][0-9]{0,18}):([0-9a-f]{64})");

    private CommitEvidence() {
    }

    /** The commit evidence text of {@code txId} under the given secret version. */
    public static String of(LedgerSecrets secrets, int secretVersion, TxId txId) {
        byte[] mac = Hmac.hmacSha256(secrets.commitEvidenceKeyOf(secretVersion), txId.toString().getBytes(StandardCharsets.US_ASCII));
        return "ce:" + txId + ":" + Hex.encode(mac);
    }

    /** {@code SHA-256(UTF-8(text))}: what entries store and leaves include. */
    public static byte[] digest(String commitEvidence) {
        return Hashes.sha256(commitEvidence.getBytes(StandardCharsets.UTF_8));
    }

    /** The TxId inside well-formed commit evidence; IllegalArgumentException otherwise. */
    public static TxId txIdOf(String commitEvidence) {
        Matcher m = FORM.matcher(commitEvidence);
        if (!m.matches()) {
            throw new IllegalArgumentException("commit evidence must look like ce:<view>.<seqno>:<64 lower-case hex digits>");
        }
        try {
            return new TxId(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("commit evidence transaction id is out of range");
        }
    }
}
