package org.consort.cli;

import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM stop the foreground commands cleanly and exit with 0: an
 * interrupted sandbox or node that shut down properly has not failed.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code stop} once on SIGINT or SIGTERM, then exits with status 0. */
    static void onTerminate(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (!done) {
                    done = true;
                    stop.run();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(once, "stop-on-exit"));
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> new Thread(() -> {
                once.run();
                System.exit(0);
            }, "stop-on-signal").start());
        }
    }
}
