package org.consort.evm.vm;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads with a stack deep enough for the EVM's 1024 nested call frames (the interpreter
 * recurses once per CALL/CREATE; a default 1 MiB Java stack is not enough).
 *
 * <p>{@link #call} runs a task on such a thread: directly when the caller already is one,
 * otherwise on a shared pool of daemon EVM threads. Thread-safe.
 */
public final class EvmThreads {
    /** Reserved stack per EVM thread; only the pages actually used are committed. */
    public static final long STACK_BYTES = 256L << 20;

    private static final AtomicInteger COUNT = new AtomicInteger();
    private static volatile ExecutorService shared;

    private EvmThreads() {
    }

    /** A thread that {@link #isEvmThread()} recognises. */
    private static final class EvmThread extends Thread {
        EvmThread(Runnable r, String name) {
            super(null, r, name, STACK_BYTES);
            setDaemon(true);
        }
    }

    /** A factory of daemon EVM threads named {@code prefix-N}. */
    public static ThreadFactory factory(String prefix) {
        return r -> new EvmThread(r, prefix + "-" + COUNT.incrementAndGet());
    }

    public static boolean isEvmThread() {
        return Thread.currentThread() instanceof EvmThread;
    }

    private static ExecutorService shared() {
        ExecutorService s = shared;
        if (s == null) {
            synchronized (EvmThreads.class) {
                s = shared;
                if (s == null) {
                    s = Executors.newCachedThreadPool(factory("evm"));
                    shared = s;
                }
            }
        }
        return s;
    }

    /** Runs {@code task} on an EVM thread and returns its result; its exceptions pass through unchanged. */
    public static <T, E extends Exception> T call(Callable<T> task, Class<E> checked) throws E {
        if (isEvmThread()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw rethrow(e, checked);
            }
        }
        Future<T> f = shared().submit(task);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the EVM was running", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw rethrow((Exception) c, checked);
        }
    }

    private static <E extends Exception> E rethrow(Exception e, Class<E> checked) {
        if (checked.isInstance(e)) {
            return checked.cast(e);
        }
        throw new IllegalStateException(e);
    }
}
