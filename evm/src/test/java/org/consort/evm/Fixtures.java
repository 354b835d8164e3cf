package org.consort.evm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.Assumptions;

/** Locates the official Ethereum test fixtures (system property {@code consort.ethereumTests}). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        String p = System.getProperty("consort.ethereumTests", "../../shared/ethereum-tests");
        Path root = Path.of(p);
        Assumptions.assumeThat(Files.isDirectory(root)).as("Ethereum tests at " + root.toAbsolutePath()).isTrue();
        return root;
    }
}
