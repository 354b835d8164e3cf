package org.consort.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.upokecenter.cbor.CBORObject;
import java.util.Base64;
import java.util.Objects;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.crypto.CoseSign1;
import org.consort.crypto.DeterministicCbor;

/**
 * Proof that the entry at {@code txId} is in the ledger: its leaf components, the Merkle
 * inclusion proof up to a signed root, and the signature entry that signed that root.
 * Rendered as a JSON receipt ({@link #toJson}) or a COSE receipt ({@link #toCose}); both are
 * checked by {@link ReceiptVerifier} with only the service certificate.
 *
 * <p>Immutable; safe to share between threads.
 */
public record Receipt(TxId txId, byte[] writeSetDigest, String commitEvidence, byte[] claimsDigest, MerkleProof proof,
                      SignaturePayload signature) {
    /** Unprotected COSE header label carrying the leaf components in a COSE receipt. */
    public static final String HEADER_LEAF = "consort.leaf";
    public static final int VDP_INCLUSION_PROOFS = -1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public Receipt {
        Objects.requireNonNull(txId);
        writeSetDigest = writeSetDigest.clone();
        claimsDigest = claimsDigest.clone();
        Objects.requireNonNull(proof);
        Objects.requireNonNull(signature);
    }

    @Override
    public byte[] writeSetDigest() {
        return writeSetDigest.clone();
    }

    @Override
    public byte[] claimsDigest() {
        return claimsDigest.clone();
    }

    /** The 32-byte leaf value: {@code SHA-256(writeSetDigest || SHA-256(commitEvidence) || claimsDigest)}. */
    public byte[] leaf() {
        return LedgerEntry.leaf(writeSetDigest, CommitEvidence.digest(commitEvidence), claimsDigest);
    }

    /**
     * Compact JSON: {@code {"cert","nodeId","txId","leafComponents":{"writeSetDigest",
     * "commitEvidence","claimsDigest"},"proof":[{"left"|"right":hex}],"signedRoot","signature"}}.
     */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("cert", signature.certificatePem());
        o.put("nodeId", signature.nodeId());
        o.put("txId", txId.toString());
        ObjectNode lc = o.putObject("leafComponents");
        lc.put("writeSetDigest", Hex.encode(writeSetDigest));
        lc.put("commitEvidence", commitEvidence);
        lc.put("claimsDigest", Hex.encode(claimsDigest));
        ArrayNode p = o.putArray("proof");
        for (MerkleProof.Step s : proof.steps()) {
            p.addObject().put(s.siblingOnLeft() ? "left" : "right", Hex.encode(s.sibling()));
        }
        o.put("signedRoot", Hex.encode(signature.root()));
        o.put("signature", Base64.getEncoder().encodeToString(signature.signature()));
        return o.toString();
    }

    /**
     * COSE receipt (draft-ietf-cose-merkle-tree-proofs, RFC9162_SHA256): the signature
     * entry's COSE_Sign1 (detached payload = root) with, in the unprotected header, 396 (vdp)
     * = {-1: [bstr .cbor [tree_size, leaf_index, [path]]]}, 33 (x5chain) = node certificate
     * DER, and {@code "consort.leaf"} = {"writeSetDigest": bstr, "commitEvidence": tstr,
     * "claimsDigest": bstr}. The leaf the proof covers is {@link #leaf()}.
     */
    public byte[] toCose() {
        CoseSign1 cose = CoseSign1.decode(signature.coseSign1());
        CBORObject path = CBORObject.NewArray();
        for (byte[] h : proof.path()) {
            path.Add(CBORObject.FromObject(h));
        }
        CBORObject inclusion = CBORObject.NewArray();
        inclusion.Add(CBORObject.FromObject(proof.treeSize()));
        inclusion.Add(CBORObject.FromObject(proof.leafIndex()));
        inclusion.Add(path);
        CBORObject proofs = CBORObject.NewArray();
        proofs.Add(CBORObject.FromObject(DeterministicCbor.encode(inclusion)));
        CBORObject vdp = CBORObject.NewMap();
        vdp.set(CBORObject.FromObject(VDP_INCLUSION_PROOFS), proofs);
        CBORObject leaf = CBORObject.NewMap();
        leaf.set(CBORObject.FromObject("writeSetDigest"), CBORObject.FromObject(writeSetDigest));
        leaf.set(CBORObject.FromObject("commitEvidence"), CBORObject.FromObject(commitEvidence));
        leaf.set(CBORObject.FromObject("claimsDigest"), CBORObject.FromObject(claimsDigest));
        byte[] certDer;
        try {
            certDer = signature.certificate().getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        return cose.withUnprotected(SignaturePayload.HEADER_VDP, vdp)
                .withUnprotected(CoseSign1.HEADER_X5CHAIN, CBORObject.FromObject(certDer))
                .withUnprotected(HEADER_LEAF, leaf)
                .encode();
    }
}
