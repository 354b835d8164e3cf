package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.Ecdsa;
import org.consort.crypto.Hashes;
import org.consort.crypto.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptTest {
    @TempDir
    Path dir;
    private final Fixtures f = new Fixtures(31);

    private Ledger ledger(int n) throws Exception {
        Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null);
        for (long s = 1; s <= n; s++) {
            if (s % 7 == 0) {
                l.appendSignature(new TxId(2, s), f.node);
            } else {
                l.append(new TxId(2, s), Fixtures.bytes("p" + s), Fixtures.bytes("q" + s), Hashes.sha256(Fixtures.bytes("c" + s)));
            }
        }
        return l;
    }

    @Test
    void receiptsAreEmptyUntilASignatureCoversTheEntry() throws Exception {
        try (Ledger l = ledger(10)) {
            assertThat(l.receipt(6)).isPresent();
            assertThat(l.receipt(7)).isEmpty(); // the signature entry itself waits for the next signature
            assertThat(l.receipt(8)).isEmpty();
            assertThat(l.receipt(0)).isEmpty();
            assertThat(l.receipt(11)).isEmpty();
            l.appendSignature(new TxId(2, 11), f.node);
            assertThat(l.receipt(7)).isPresent();
            assertThat(l.receipt(10).orElseThrow().signature().txId()).isEqualTo(new TxId(2, 11));
        }
    }

    @Test
    void jsonReceiptVerifiesAndHasTheDocumentedShape() throws Exception {
        try (Ledger l = ledger(14)) {
            for (long s = 1; s <= 13; s++) {
                Receipt r = l.receipt(s).orElseThrow();
                ReceiptVerifier.Verified v = ReceiptVerifier.verify(r.toJson().getBytes(StandardCharsets.UTF_8), f.service.certificate());
                assertThat(v.txId()).isEqualTo(new TxId(2, s));
                assertThat(v.nodeId()).isEqualTo(f.node.id());
                assertThat(v.format()).isEqualTo("json");
            }
            JsonNode j = new ObjectMapper().readTree(l.receipt(3).orElseThrow().toJson());
            assertThat(j.get("leafComponents").get("commitEvidence").asText()).startsWith("ce:2.3:");
            assertThat(j.get("leafComponents").get("claimsDigest").asText()).isEqualTo(Hex.encode(Hashes.sha256(Fixtures.bytes("c3"))));
            assertThat(j.get("proof").get(0).fieldNames().next()).isIn("left", "right");
            // An auditor's own check of the signature: ECDSA P-384 / SHA-384 over the 32 root bytes.
            byte[] sig = java.util.Base64.getDecoder().decode(j.get("signature").asText());
            assertThat(Ecdsa.verify(Pem.readCertificate(j.get("cert").asText()).getPublicKey(), Hex.decode(j.get("signedRoot").asText()), sig)).isTrue();
        }
    }

    @Test
    void coseReceiptFollowsTheDraftLayout() throws Exception {
        try (Ledger l = ledger(14)) {
            Receipt r = l.receipt(9).orElseThrow();
            byte[] cose = r.toCose();
            ReceiptVerifier.Verified v = ReceiptVerifier.verify(cose, f.service.certificate());
            assertThat(v.format()).isEqualTo("cose");
            assertThat(v.signatureTxId()).isEqualTo(new TxId(2, 14));

            // Walk the raw CBOR as a draft-ietf-cose-merkle-tree-proofs verifier would.
            CBORObject msg = CBORObject.DecodeFromBytes(cose);
            assertThat(msg.HasMostOuterTag(18)).isTrue();
            CBORObject prot = CBORObject.DecodeFromBytes(msg.get(0).GetByteString());
            assertThat(prot.get(CBORObject.FromObject(1)).AsInt32Value()).isEqualTo(-35); // ES384
            assertThat(prot.get(CBORObject.FromObject(395)).AsInt32Value()).isEqualTo(1); // RFC9162_SHA256
            assertThat(new String(prot.get(CBORObject.FromObject(4)).GetByteString(), StandardCharsets.UTF_8)).isEqualTo(f.node.id());
            assertThat(prot.get(CBORObject.FromObject("consort.txid")).AsString()).isEqualTo("2.14");
            assertThat(msg.get(2).isNull()).isTrue(); // detached payload
            CBORObject unprot = msg.get(1);
            byte[] certDer = unprot.get(CBORObject.FromObject(33)).GetByteString();
            assertThat(Pem.certificateFromDer(certDer)).isEqualTo(f.node.certificate());
            CBORObject proofs = unprot.get(CBORObject.FromObject(396)).get(CBORObject.FromObject(-1));
            assertThat(proofs.getType()).isEqualTo(CBORType.Array);
            CBORObject proof = CBORObject.DecodeFromBytes(proofs.get(0).GetByteString());
            assertThat(proof.get(0).AsInt64Value()).isEqualTo(13);
            assertThat(proof.get(1).AsInt64Value()).isEqualTo(8);
            // RFC 9162 2.1.3.2 by hand, then the COSE signature over the resulting root.
            byte[] h = MerkleTree.leafHash(r.leaf());
            long fn = 8;
            long sn = 12;
            for (int i = 0; i < proof.get(2).size(); i++) {
                byte[] p = proof.get(2).get(i).GetByteString();
                if ((fn & 1) == 1 || fn == sn) {
                    h = Hashes.sha256(new byte[] {1}, p, h);
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                } else {
                    h = Hashes.sha256(new byte[] {1}, h, p);
                }
                fn >>= 1;
                sn >>= 1;
            }
            assertThat(sn).isZero();
            assertThat(MessageDigest.isEqual(h, l.receipt(9).orElseThrow().signature().root())).isTrue();
            CBORObject sigStructure = CBORObject.NewArray().Add("Signature1").Add(msg.get(0).GetByteString()).Add(new byte[0]).Add(h);
            byte[] toBeSigned = org.consort.crypto.DeterministicCbor.encode(sigStructure);
            assertThat(Ecdsa.verifyP1363(Pem.certificateFromDer(certDer).getPublicKey(), toBeSigned, msg.get(3).GetByteString())).isTrue();
            // The bare-leaf form of the verifier agrees.
            assertThat(ReceiptVerifier.verifyCose(cose, r.leaf(), new TxId(2, 9), f.service.certificate()).root()).isEqualTo(h);
        }
    }

    @Test
    void wrongServiceCertificateFailsBothForms() throws Exception {
        Fixtures other = new Fixtures(32);
        try (Ledger l = ledger(8)) {
            Receipt r = l.receipt(2).orElseThrow();
            assertThatThrownBy(() -> ReceiptVerifier.verify(r.toJson().getBytes(StandardCharsets.UTF_8), other.service.certificate()))
                    .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class).hasMessageContaining("endorsed");
            assertThatThrownBy(() -> ReceiptVerifier.verify(r.toCose(), other.service.certificate()))
                    .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class).hasMessageContaining("endorsed");
        }
    }

    @Test
    void wrongLeafOrTxIdFailsTheCoseLeafForm() throws Exception {
        try (Ledger l = ledger(8)) {
            Receipt r = l.receipt(2).orElseThrow();
            byte[] leaf = r.leaf();
            leaf[0] ^= 1;
            assertThatThrownBy(() -> ReceiptVerifier.verifyCose(r.toCose(), leaf, new TxId(2, 2), f.service.certificate()))
                    .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class);
            assertThatThrownBy(() -> ReceiptVerifier.verifyCose(r.toCose(), r.leaf(), new TxId(2, 3), f.service.certificate()))
                    .hasMessageContaining("leaf index");
            assertThat(Certificates.keyId(f.node.certificate())).isEqualTo(r.signature().nodeId());
        }
    }
}
