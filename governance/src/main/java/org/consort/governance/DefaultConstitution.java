package org.consort.governance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The constitution Consort ships (resource {@code default-constitution.js}): the actions of
 * issue 4, and a strict majority of Active members decides. Also the two standard ballots.
 * Stateless; thread-safe.
 */
public final class DefaultConstitution {
    /** A ballot that always votes for the proposal. */
    public static final String ACCEPT_BALLOT = "export function vote(proposal, proposerId) { return true; }";
    /** A ballot that always votes against the proposal. */
    public static final String REJECT_BALLOT = "export function vote(proposal, proposerId) { return false; }";

    private static final String TEXT = load();

    private DefaultConstitution() {
    }

    public static String text() {
        return TEXT;
    }

    private static String load() {
        try (InputStream in = DefaultConstitution.class.getResourceAsStream("default-constitution.js")) {
            if (in == null) {
                throw new IllegalStateException("default-constitution.js is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
