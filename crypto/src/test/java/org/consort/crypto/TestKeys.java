package org.consort.crypto;

import java.security.SecureRandom;

final class TestKeys {
    private TestKeys() {
    }

    /** Seeded so a failing test replays; SHA1PRNG honours the seed when seeded before first use. */
    static SecureRandom random(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
