package org.consort.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class RecoverySharesTest {

    @Test
    void twoOfThreeSharesGiveTheKeyBackAndAWrongShareIsRefused() {
        GovFixture f = new GovFixture(3, true, 2);
        byte[] key = new byte[RecoveryShares.KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        int issued = f.run(tx -> RecoveryShares.issue(tx, key, new SecureRandom()));
        assertThat(issued).isEqualTo(3);
        RecoveryShares recovery = new RecoveryShares(GovFixture.WINDOW);

        byte[] share0 = RecoveryShares.decryptShare(f.encryptionKeys.get(0).getPrivate(),
                RecoveryShares.encryptedShare(f.store.readTx(), f.members.get(0).id()).orElseThrow());
        byte[] share1 = RecoveryShares.decryptShare(f.encryptionKeys.get(1).getPrivate(),
                RecoveryShares.encryptedShare(f.store.readTx(), f.members.get(1).id()).orElseThrow());

        RecoveryShares.Submission first = f.run(tx -> recovery.submit(tx, GovFixture.signed(f.members.get(0),
                MessageType.RECOVERY_SHARE, null, new String(RecoveryShares.sharePayload(share0)), GovFixture.NOW),
                GovFixture.NOW));
        assertThat(first.submitted()).isEqualTo(1);
        assertThat(first.wrappingKey()).isEmpty();

        // Member 1 sends member 0's share: refused, member 0's share is kept.
        byte[] wrong = GovFixture.signed(f.members.get(1), MessageType.RECOVERY_SHARE, null,
                new String(RecoveryShares.sharePayload(share0)), GovFixture.NOW);
        assertThatThrownBy(() -> f.run(tx -> recovery.submit(tx, wrong, GovFixture.NOW)))
                .isInstanceOfSatisfying(GovernanceRefusal.class,
                        e -> assertThat(e.code()).isEqualTo(RefusalCode.WRONG_RECOVERY_SHARE));
        assertThat(f.store.readTx().read(GovMaps.RECOVERY_SUBMITTED_SHARES).size()).isEqualTo(1);

        RecoveryShares.Submission second = f.run(tx -> recovery.submit(tx, GovFixture.signed(f.members.get(1),
                MessageType.RECOVERY_SHARE, null, new String(RecoveryShares.sharePayload(share1)),
                GovFixture.NOW.plusSeconds(1)), GovFixture.NOW));
        assertThat(second.wrappingKey()).hasValueSatisfying(k -> assertThat(k).isEqualTo(key));
        assertThat(f.store.readTx().read(GovMaps.RECOVERY_SUBMITTED_SHARES).size()).isZero();
    }

    @Test
    void thresholdOfOneWorks() {
        GovFixture f = new GovFixture(1, true, 1);
        byte[] key = new byte[RecoveryShares.KEY_LENGTH];
        key[3] = 9;
        f.run(tx -> RecoveryShares.issue(tx, key, new SecureRandom()));
        byte[] share = RecoveryShares.decryptShare(f.encryptionKeys.get(0).getPrivate(),
                RecoveryShares.encryptedShare(f.store.readTx(), f.members.get(0).id()).orElseThrow());
        RecoveryShares.Submission s = f.run(tx -> new RecoveryShares(GovFixture.WINDOW).submit(tx,
                GovFixture.signed(f.members.get(0), MessageType.RECOVERY_SHARE, null,
                        new String(RecoveryShares.sharePayload(share)), GovFixture.NOW), GovFixture.NOW));
        assertThat(s.wrappingKey()).hasValueSatisfying(k -> assertThat(k).isEqualTo(key));
    }
}
