package org.consort.ledger;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.CoseSign1;
import org.consort.crypto.DeterministicCbor;
import org.consort.crypto.Ecdsa;
import org.consort.crypto.Identity;
import org.consort.crypto.Pem;

/**
 * The public part of a signature entry at seqno S: a deterministic CBOR map with text keys
 *
 * <pre>
 * "v": 1, "txid": "view.S", "treeSize": S-1, "root": bstr(32), "nodeId": hex key id,
 * "signedAt": epoch milliseconds, "sig": ECDSA DER signature of the 32 root bytes,
 * "cose": COSE_Sign1 with detached payload = root, "cert": node certificate PEM
 * </pre>
 *
 * The COSE_Sign1 protected header holds alg (1), kid (4: UTF-8 of the node id), CWT claims
 * (15: {6 (iat): seconds}), vds (395: 1 = RFC9162_SHA256) and {@code "consort.txid"}.
 *
 * <p>Immutable; safe to share between threads.
 */
public record SignaturePayload(TxId txId, long treeSize, byte[] root, String nodeId, long signedAtMillis, byte[] signature,
                               byte[] coseSign1, String certificatePem) {
    public static final int HEADER_CWT_CLAIMS = 15;
    public static final int CWT_IAT = 6;
    public static final int HEADER_VDS = 395;
    public static final int HEADER_VDP = 396;
    public static final int VDS_RFC9162_SHA256 = 1;
    public static final String HEADER_TXID = "consort.txid";

    public SignaturePayload {
        Objects.requireNonNull(txId, "txId");
        root = root.clone();
        signature = signature.clone();
        coseSign1 = coseSign1.clone();
        if (root.length != 32) {
            throw new IllegalArgumentException("signed root must be 32 bytes");
        }
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public byte[] coseSign1() {
        return coseSign1.clone();
    }

    public X509Certificate certificate() {
        return Pem.readCertificate(certificatePem);
    }

    /** Signs {@code root} (the tree of the {@code treeSize} entries before {@code txId}) as {@code node}. */
    public static SignaturePayload sign(TxId txId, long treeSize, byte[] root, Identity node, Instant signedAt) {
        if (treeSize != txId.seqno() - 1) {
            throw new IllegalArgumentException("signature at seqno " + txId.seqno() + " must sign the " + (txId.seqno() - 1)
                    + " entries before it, not " + treeSize);
        }
        String nodeId = node.id();
        CBORObject cwt = CBORObject.NewMap();
        cwt.set(CBORObject.FromObject(CWT_IAT), CBORObject.FromObject(signedAt.getEpochSecond()));
        CoseSign1 cose = CoseSign1.builder().kid(nodeId)
                .protectedHeader(HEADER_CWT_CLAIMS, cwt)
                .protectedHeader(HEADER_VDS, CBORObject.FromObject(VDS_RFC9162_SHA256))
                .protectedHeader(HEADER_TXID, CBORObject.FromObject(txId.toString()))
                .payload(root).detached(true).sign(node.privateKey());
        return new SignaturePayload(txId, treeSize, root, nodeId, signedAt.toEpochMilli(), Ecdsa.sign(node.privateKey(), root),
                cose.encode(), node.certificatePem());
    }

    public byte[] encode() {
        CBORObject m = CBORObject.NewMap();
        m.set(CBORObject.FromObject("v"), CBORObject.FromObject(1));
        m.set(CBORObject.FromObject("txid"), CBORObject.FromObject(txId.toString()));
        m.set(CBORObject.FromObject("treeSize"), CBORObject.FromObject(treeSize));
        m.set(CBORObject.FromObject("root"), CBORObject.FromObject(root));
        m.set(CBORObject.FromObject("nodeId"), CBORObject.FromObject(nodeId));
        m.set(CBORObject.FromObject("signedAt"), CBORObject.FromObject(signedAtMillis));
        m.set(CBORObject.FromObject("sig"), CBORObject.FromObject(signature));
        m.set(CBORObject.FromObject("cose"), CBORObject.FromObject(coseSign1));
        m.set(CBORObject.FromObject("cert"), CBORObject.FromObject(certificatePem));
        return DeterministicCbor.encode(m);
    }

    /** Parses a signature entry's public part; IllegalArgumentException saying what is wrong. */
    public static SignaturePayload decode(byte[] bytes) {
        CBORObject m = DeterministicCbor.decode(bytes);
        if (m.getType() != CBORType.Map || m.size() != 9) {
            throw new IllegalArgumentException("signature payload must be a CBOR map of 9 fields");
        }
        if (field(m, "v", CBORType.Integer).AsInt64Value() != 1) {
            throw new IllegalArgumentException("unsupported signature payload version");
        }
        return new SignaturePayload(TxId.parse(field(m, "txid", CBORType.TextString).AsString()),
                field(m, "treeSize", CBORType.Integer).AsInt64Value(),
                field(m, "root", CBORType.ByteString).GetByteString(),
                field(m, "nodeId", CBORType.TextString).AsString(),
                field(m, "signedAt", CBORType.Integer).AsInt64Value(),
                field(m, "sig", CBORType.ByteString).GetByteString(),
                field(m, "cose", CBORType.ByteString).GetByteString(),
                field(m, "cert", CBORType.TextString).AsString());
    }

    private static CBORObject field(CBORObject m, String name, CBORType type) {
        CBORObject v = m.get(CBORObject.FromObject(name));
        if (v == null || v.getType() != type || (type == CBORType.Integer && !v.CanValueFitInInt64())) {
            throw new IllegalArgumentException("signature payload field \"" + name + "\" is missing or not a " + type);
        }
        return v;
    }

    /**
     * Checks everything a signature entry claims, given the entry's own TxId, the root
     * recomputed from the entries before it, and the service certificate. Returns null when
     * it all holds, else the reason.
     */
    public String check(TxId entryTxId, byte[] expectedRoot, X509Certificate serviceCert) {
        return check(entryTxId, expectedRoot, serviceCert, new java.util.HashMap<>());
    }

    /**
     * As {@link #check(TxId, byte[], X509Certificate)}, remembering in {@code endorsed}
     * (certificate PEM to certificate) the node certificates whose issuer signature already
     * verified, so a ledger with thousands of signatures checks each certificate chain once.
     * Validity at the signing time is still checked every time.
     */
    public String check(TxId entryTxId, byte[] expectedRoot, X509Certificate serviceCert,
                        java.util.Map<String, X509Certificate> endorsed) {
        if (!txId.equals(entryTxId)) {
            return "signature payload names transaction " + txId + " but sits at " + entryTxId;
        }
        if (treeSize != entryTxId.seqno() - 1) {
            return "signature covers " + treeSize + " entries, expected " + (entryTxId.seqno() - 1);
        }
        if (!Arrays.equals(root, expectedRoot)) {
            return "signed root " + Hex.encode(root) + " differs from the recomputed Merkle root " + Hex.encode(expectedRoot);
        }
        X509Certificate cert = endorsed.get(certificatePem);
        try {
            if (cert == null) {
                cert = certificate();
                Certificates.checkSignedBy(cert, serviceCert);
                endorsed.put(certificatePem, cert);
            }
            Instant at = Instant.ofEpochMilli(signedAtMillis);
            Certificates.checkValidAt(cert, at, "node certificate");
            Certificates.checkValidAt(serviceCert, at, "service certificate");
        } catch (IllegalArgumentException e) {
            return "node certificate: " + e.getMessage();
        } catch (Certificates.CertificateCheckException | java.time.DateTimeException e) {
            return "node certificate is not endorsed by the service: " + e.getMessage();
        }
        if (!Certificates.keyId(cert).equals(nodeId)) {
            return "node id " + nodeId + " is not the key id of the node certificate";
        }
        if (!Ecdsa.verify(cert.getPublicKey(), root, signature)) {
            return "ECDSA signature over the root does not verify with the node key";
        }
        CoseSign1 cose;
        try {
            cose = CoseSign1.decode(coseSign1);
        } catch (IllegalArgumentException e) {
            return "COSE_Sign1: " + e.getMessage();
        }
        if (!cose.verify(cert.getPublicKey(), root)) {
            return "COSE_Sign1 signature over the root does not verify with the node key";
        }
        String headerProblem = checkCoseHeaders(cose, nodeId, txId);
        if (headerProblem != null) {
            return headerProblem;
        }
        return null;
    }

    /** Checks kid, vds and the TxId label of a signature's COSE_Sign1; null when they hold. */
    static String checkCoseHeaders(CoseSign1 cose, String nodeId, TxId txId) {
        if (!Arrays.equals(cose.kid().orElse(new byte[0]), nodeId.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            return "COSE_Sign1 kid is not the node id";
        }
        CBORObject vds = cose.protectedValue(HEADER_VDS).orElse(null);
        if (vds == null || vds.getType() != CBORType.Integer || vds.AsInt64Value() != VDS_RFC9162_SHA256) {
            return "COSE_Sign1 vds header (395) is not RFC9162_SHA256 (1)";
        }
        CBORObject tx = cose.protectedValue(HEADER_TXID).orElse(null);
        if (tx == null || tx.getType() != CBORType.TextString || !tx.AsString().equals(txId.toString())) {
            return "COSE_Sign1 consort.txid header does not name " + txId;
        }
        return null;
    }
}
