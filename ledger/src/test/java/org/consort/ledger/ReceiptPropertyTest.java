package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.consort.common.TxId;

class ReceiptPropertyTest {
    private static Fixtures f;
    private static Path dir;
    private static byte[] json;
    private static byte[] cose;
    private static Receipt receipt;

    @BeforeContainer
    static void ledger() throws Exception {
        f = new Fixtures(41);
        dir = Files.createTempDirectory("receipt-prop");
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            for (long s = 1; s <= 20; s++) {
                if (s == 20) {
                    l.appendSignature(new TxId(1, s), f.node);
                } else {
                    l.append(new TxId(1, s), Fixtures.bytes("public " + s), Fixtures.bytes("private " + s));
                }
            }
            receipt = l.receipt(11).orElseThrow();
        }
        json = receipt.toJson().getBytes(StandardCharsets.UTF_8);
        cose = receipt.toCose();
        ReceiptVerifier.verify(json, f.service.certificate());
        ReceiptVerifier.verify(cose, f.service.certificate());
    }

    @AfterContainer
    static void cleanup() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static byte[] flip(byte[] b, int at, int mask) {
        byte[] c = b.clone();
        c[at % c.length] ^= (byte) mask;
        return c;
    }

    @Property(tries = 250)
    void flippingAnyByteOfAJsonReceiptFails(@ForAll @IntRange(min = 0, max = 100_000) int at, @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] bad = flip(json, at, mask);
        assertThatThrownBy(() -> ReceiptVerifier.verify(bad, f.service.certificate())).isInstanceOf(RuntimeException.class);
    }

    @Property(tries = 250)
    void flippingAnyByteOfACoseReceiptFails(@ForAll @IntRange(min = 0, max = 100_000) int at, @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] bad = flip(cose, at, mask);
        assertThatThrownBy(() -> ReceiptVerifier.verify(bad, f.service.certificate())).isInstanceOf(RuntimeException.class);
    }

    @Property(tries = 100)
    void flippingAnyByteOfTheLeafComponentsFails(@ForAll @IntRange(min = 0, max = 2) int which, @ForAll @IntRange(min = 0, max = 1000) int at,
                                                 @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] wsd = receipt.writeSetDigest();
        byte[] claims = receipt.claimsDigest();
        String ce = receipt.commitEvidence();
        switch (which) {
            case 0 -> wsd = flip(wsd, at, mask);
            case 1 -> claims = flip(claims, at, mask);
            default -> {
                // Change one hex digit of the evidence secret to a different hex digit.
                int pos = ce.length() - 1 - at % 64;
                char c = ce.charAt(pos);
                char d = Character.forDigit((Character.digit(c, 16) + 1 + mask % 15) % 16, 16);
                ce = ce.substring(0, pos) + d + ce.substring(pos + 1);
            }
        }
        Receipt changed = new Receipt(receipt.txId(), wsd, ce, claims, receipt.proof(), receipt.signature());
        assertThatThrownBy(() -> ReceiptVerifier.verify(changed.toJson().getBytes(StandardCharsets.UTF_8), f.service.certificate()))
                .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class);
        assertThatThrownBy(() -> ReceiptVerifier.verify(changed.toCose(), f.service.certificate()))
                .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class);
        assertThatThrownBy(() -> ReceiptVerifier.verifyCose(receipt.toCose(), changed.leaf(), receipt.txId(), f.service.certificate()))
                .isInstanceOf(ReceiptVerifier.ReceiptVerificationException.class);
    }

    @net.jqwik.api.Example
    void everySingleBytePositionOfTheCoseReceiptIsCovered() {
        // Exhaustive over positions (the COSE form is small), with a mask that varies by position.
        for (int i = 0; i < cose.length; i++) {
            byte[] bad = flip(cose, i, 1 + (i * 37) % 255);
            int pos = i;
            assertThatThrownBy(() -> ReceiptVerifier.verify(bad, f.service.certificate()))
                    .as("position %d of %d", pos, cose.length).isInstanceOf(RuntimeException.class);
        }
    }
}
