package org.consort.ledger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.CoseSign1;
import org.consort.crypto.DeterministicCbor;
import org.consort.crypto.Ecdsa;
import org.consort.crypto.Pem;

/**
 * Verifies JSON and COSE receipts offline with only the service certificate: the node
 * certificate was issued by the service, the node signed the root, the proof leads from the
 * leaf (recomputed from its components) to that root, and the TxId matches the commit
 * evidence. Every field is checked, so changing any byte of a receipt makes it fail.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class ReceiptVerifier {
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_PATH = 64;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ReceiptVerifier() {
    }

    /** What a valid receipt proves. {@code signatureTxId} is known for COSE receipts only. */
    public record Verified(String format, TxId txId, String nodeId, byte[] root, TxId signatureTxId) {
    }

    /** A receipt failed verification; the message says why. */
    public static final class ReceiptVerificationException extends RuntimeException {
        public ReceiptVerificationException(String message) {
            super(message);
        }
    }

    /** Detects the form (JSON starts with '{', COSE is CBOR) and verifies it. */
    public static Verified verify(byte[] receipt, X509Certificate serviceCert) {
        try {
            return detectAndVerify(receipt, serviceCert);
        } catch (ReceiptVerificationException e) {
            throw e;
        } catch (RuntimeException e) {
            // Libraries parsing hostile input may throw anything unchecked: it is still just a bad receipt.
            throw fail("malformed receipt: " + e);
        }
    }

    private static Verified detectAndVerify(byte[] receipt, X509Certificate serviceCert) {
        int i = 0;
        while (i < receipt.length && Character.isWhitespace(receipt[i])) {
            i++;
        }
        if (i < receipt.length && receipt[i] == '{') {
            return verifyJson(new String(receipt, StandardCharsets.UTF_8), serviceCert);
        }
        return verifyCose(receipt, serviceCert);
    }

    /** Verifies a JSON receipt ({@link Receipt#toJson}). */
    public static Verified verifyJson(String json, X509Certificate serviceCert) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw fail("receipt is not valid JSON: " + e.getMessage());
        }
        requireFields(o, "receipt", "cert", "nodeId", "txId", "leafComponents", "proof", "signedRoot", "signature");
        JsonNode lc = o.get("leafComponents");
        requireFields(lc, "leafComponents", "writeSetDigest", "commitEvidence", "claimsDigest");
        String certPem = text(o, "cert");
        X509Certificate cert;
        try {
            cert = Pem.readCertificate(certPem);
        } catch (IllegalArgumentException e) {
            throw fail("node certificate: " + e.getMessage());
        }
        if (!Pem.certificate(cert).equals(certPem)) {
            throw fail("node certificate PEM is not in canonical form");
        }
        try {
            Certificates.checkSignedBy(cert, serviceCert);
        } catch (Certificates.CertificateCheckException e) {
            throw fail("node certificate is not endorsed by the service certificate: " + e.getMessage());
        }
        String nodeId = text(o, "nodeId");
        if (!Certificates.keyId(cert).equals(nodeId)) {
            throw fail("nodeId is not the key id of the node certificate");
        }
        TxId txId = canonicalTxId(text(o, "txId"));
        String ce = text(lc, "commitEvidence");
        byte[] wsd = hex32(text(lc, "writeSetDigest"), "writeSetDigest");
        byte[] claims = hex32(text(lc, "claimsDigest"), "claimsDigest");
        JsonNode proof = o.get("proof");
        if (!proof.isArray() || proof.size() > MAX_PATH) {
            throw fail("proof must be an array of at most " + MAX_PATH + " steps");
        }
        List<MerkleProof.Step> steps = new ArrayList<>();
        for (JsonNode s : proof) {
            if (!s.isObject() || s.size() != 1 || !(s.has("left") || s.has("right"))) {
                throw fail("each proof step must be {\"left\": hex} or {\"right\": hex}");
            }
            boolean left = s.has("left");
            steps.add(new MerkleProof.Step(left, hex32(text(s, left ? "left" : "right"), "proof hash")));
        }
        byte[] signedRoot = hex32(text(o, "signedRoot"), "signedRoot");
        String sigText = text(o, "signature");
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(sigText);
        } catch (IllegalArgumentException e) {
            throw fail("signature is not base64");
        }
        if (!Base64.getEncoder().encodeToString(sig).equals(sigText)) {
            throw fail("signature is not canonical base64");
        }
        byte[] leaf = leafOf(txId, wsd, ce, claims);
        byte[] root = MerkleProof.fold(MerkleTree.leafHash(leaf), steps);
        if (!MessageDigest.isEqual(root, signedRoot)) {
            throw fail("the proof does not lead from the leaf to the signed root");
        }
        if (!Ecdsa.verify(cert.getPublicKey(), signedRoot, sig)) {
            throw fail("the signature over the root does not verify with the node certificate");
        }
        return new Verified("json", txId, nodeId, root, null);
    }

    /** Verifies a COSE receipt ({@link Receipt#toCose}) using the leaf components it carries. */
    public static Verified verifyCose(byte[] cose, X509Certificate serviceCert) {
        CoseSign1 m = decodeCose(cose);
        CBORObject lc = m.unprotectedValue(Receipt.HEADER_LEAF).orElseThrow(() -> fail("COSE receipt has no consort.leaf header"));
        if (lc.getType() != CBORType.Map || lc.size() != 3) {
            throw fail("consort.leaf must be a map of writeSetDigest, commitEvidence, claimsDigest");
        }
        byte[] wsd = bstr32(lc.get(CBORObject.FromObject("writeSetDigest")), "writeSetDigest");
        CBORObject ceObj = lc.get(CBORObject.FromObject("commitEvidence"));
        if (ceObj == null || ceObj.getType() != CBORType.TextString) {
            throw fail("consort.leaf commitEvidence must be text");
        }
        byte[] claims = bstr32(lc.get(CBORObject.FromObject("claimsDigest")), "claimsDigest");
        TxId txId = txIdOfEvidence(ceObj.AsString());
        byte[] leaf = leafOf(txId, wsd, ceObj.AsString(), claims);
        return verifyCoseLeaf(m, leaf, txId, serviceCert, 3);
    }

    /**
     * Verifies a COSE receipt for a leaf the caller computed itself (the draft's model:
     * receipt plus entry). {@code expectedTxId} fixes the leaf index to its seqno - 1.
     */
    public static Verified verifyCose(byte[] cose, byte[] leaf, TxId expectedTxId, X509Certificate serviceCert) {
        CoseSign1 m = decodeCose(cose);
        return verifyCoseLeaf(m, leaf, expectedTxId, serviceCert, m.unprotectedValue(Receipt.HEADER_LEAF).isPresent() ? 3 : 2);
    }

    private static CoseSign1 decodeCose(byte[] cose) {
        if (!DeterministicCbor.isDeterministic(cose)) {
            throw fail("COSE receipt is not one deterministically encoded CBOR item");
        }
        try {
            CoseSign1 m = CoseSign1.decode(cose);
            if (cose[0] != (byte) 0xD2) {
                throw fail("COSE receipt must carry the COSE_Sign1 tag (18)");
            }
            if (m.payload().isPresent()) {
                throw fail("COSE receipt payload must be detached");
            }
            return m;
        } catch (IllegalArgumentException e) {
            throw fail("COSE receipt: " + e.getMessage());
        }
    }

    private static Verified verifyCoseLeaf(CoseSign1 m, byte[] leaf, TxId txId, X509Certificate serviceCert, int unprotectedCount) {
        if (m.unprotectedHeader().size() != unprotectedCount) {
            throw fail("COSE receipt unprotected header has unexpected labels");
        }
        CBORObject x5 = m.unprotectedValue(CoseSign1.HEADER_X5CHAIN).orElseThrow(() -> fail("COSE receipt has no x5chain (33)"));
        if (x5.getType() != CBORType.ByteString) {
            throw fail("x5chain (33) must be the node certificate DER");
        }
        X509Certificate cert;
        try {
            cert = Pem.certificateFromDer(x5.GetByteString());
            if (!Arrays.equals(cert.getEncoded(), x5.GetByteString())) {
                throw fail("x5chain certificate is not in DER form");
            }
        } catch (IllegalArgumentException | CertificateEncodingException e) {
            throw fail("x5chain: " + e.getMessage());
        }
        String nodeId = Certificates.keyId(cert);
        CBORObject cwt = m.protectedValue(SignaturePayload.HEADER_CWT_CLAIMS).orElse(null);
        CBORObject iat = cwt == null || cwt.getType() != CBORType.Map ? null : cwt.get(CBORObject.FromObject(SignaturePayload.CWT_IAT));
        if (iat == null || iat.getType() != CBORType.Integer || !iat.CanValueFitInInt64()) {
            throw fail("COSE receipt has no CWT iat (15 / 6) in its protected header");
        }
        try {
            Certificates.checkIssuedBy(cert, serviceCert, Instant.ofEpochSecond(iat.AsInt64Value()));
        } catch (Certificates.CertificateCheckException | java.time.DateTimeException e) {
            throw fail("node certificate is not endorsed by the service certificate: " + e.getMessage());
        }
        CBORObject txObj = m.protectedValue(SignaturePayload.HEADER_TXID).orElse(null);
        if (txObj == null || txObj.getType() != CBORType.TextString) {
            throw fail("COSE receipt has no consort.txid header");
        }
        TxId sigTxId = canonicalTxId(txObj.AsString());
        String headerProblem = SignaturePayload.checkCoseHeaders(m, nodeId, sigTxId);
        if (headerProblem != null) {
            throw fail(headerProblem);
        }
        MerkleProof proof = inclusionProof(m);
        if (proof.treeSize() != sigTxId.seqno() - 1) {
            throw fail("tree size " + proof.treeSize() + " is not the " + (sigTxId.seqno() - 1) + " entries the signature at " + sigTxId + " covers");
        }
        if (proof.leafIndex() != txId.seqno() - 1) {
            throw fail("leaf index " + proof.leafIndex() + " is not the position of " + txId);
        }
        byte[] root = proof.rootFor(MerkleTree.leafHash(leaf));
        if (root == null) {
            throw fail("inclusion path length does not fit the leaf index and tree size");
        }
        if (!m.verify(cert.getPublicKey(), root)) {
            throw fail("COSE signature does not verify over the root the proof leads to");
        }
        return new Verified("cose", txId, nodeId, root, sigTxId);
    }

    private static MerkleProof inclusionProof(CoseSign1 m) {
        CBORObject vdp = m.unprotectedValue(SignaturePayload.HEADER_VDP).orElseThrow(() -> fail("COSE receipt has no vdp (396) header"));
        if (vdp.getType() != CBORType.Map || vdp.size() != 1) {
            throw fail("vdp (396) must be a map with only inclusion proofs (-1)");
        }
        CBORObject proofs = vdp.get(CBORObject.FromObject(Receipt.VDP_INCLUSION_PROOFS));
        if (proofs == null || proofs.getType() != CBORType.Array || proofs.size() != 1 || proofs.get(0).getType() != CBORType.ByteString) {
            throw fail("vdp (396) -1 must be an array of one bstr-wrapped inclusion proof");
        }
        byte[] enc = proofs.get(0).GetByteString();
        if (!DeterministicCbor.isDeterministic(enc)) {
            throw fail("inclusion proof is not deterministic CBOR");
        }
        CBORObject p = DeterministicCbor.decode(enc);
        if (p.getType() != CBORType.Array || p.size() != 3 || p.get(0).getType() != CBORType.Integer
                || p.get(1).getType() != CBORType.Integer || p.get(2).getType() != CBORType.Array || p.get(2).size() > MAX_PATH
                || !p.get(0).CanValueFitInInt64() || !p.get(1).CanValueFitInInt64()) {
            throw fail("inclusion proof must be [tree_size, leaf_index, [hashes]]");
        }
        List<byte[]> path = new ArrayList<>();
        for (int i = 0; i < p.get(2).size(); i++) {
            path.add(bstr32(p.get(2).get(i), "inclusion path hash"));
        }
        try {
            return new MerkleProof(p.get(0).AsInt64Value(), p.get(1).AsInt64Value(), path);
        } catch (IllegalArgumentException e) {
            throw fail("inclusion proof: " + e.getMessage());
        }
    }

    private static byte[] leafOf(TxId txId, byte[] wsd, String commitEvidence, byte[] claims) {
        TxId ceTx = txIdOfEvidence(commitEvidence);
        if (!ceTx.equals(txId)) {
            throw fail("commit evidence is for " + ceTx + ", not " + txId);
        }
        return LedgerEntry.leaf(wsd, CommitEvidence.digest(commitEvidence), claims);
    }

    private static TxId txIdOfEvidence(String ce) {
        try {
            return CommitEvidence.txIdOf(ce);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    private static TxId canonicalTxId(String s) {
        TxId t;
        try {
            t = TxId.parse(s);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
        if (!t.toString().equals(s)) {
            throw fail("transaction id '" + s + "' is not in canonical form");
        }
        return t;
    }

    private static void requireFields(JsonNode o, String what, String... names) {
        if (o == null || !o.isObject()) {
            throw fail(what + " must be a JSON object");
        }
        Set<String> have = new TreeSet<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            have.add(it.next());
        }
        Set<String> want = new TreeSet<>(List.of(names));
        if (!have.equals(want)) {
            throw fail(what + " must have exactly the fields " + want + ", found " + have);
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw fail("field \"" + field + "\" must be a string");
        }
        return n.asText();
    }

    private static byte[] hex32(String s, String what) {
        if (!HEX32.matcher(s).matches()) {
            throw fail(what + " must be 64 lower-case hex digits");
        }
        return Hex.decode(s);
    }

    private static byte[] bstr32(CBORObject o, String what) {
        if (o == null || o.getType() != CBORType.ByteString || o.GetByteString().length != 32) {
            throw fail(what + " must be a 32-byte bstr");
        }
        return o.GetByteString();
    }

    private static ReceiptVerificationException fail(String reason) {
        return new ReceiptVerificationException(reason);
    }
}
