package org.consort.kv;

/**
 * One or more {@link GlobalCommitHook}s threw during {@link Store#globalCommit(long)}. The
 * global commit itself happened; the first failure is the cause and later ones are suppressed.
 */
public final class GlobalCommitHookFailure extends RuntimeException {
    GlobalCommitHookFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
