package org.consort.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.graalvm.polyglot.proxy.ProxyExecutable;

/**
 * Runs constitution and ballot scripts (ES2022 modules) in GraalJS sandboxes.
 *
 * <p>Every call gets a fresh context (so no script sees what another left behind) on one shared
 * engine (so parsed sources are reused). A context has no host access, no host class lookup,
 * no I/O (so no module imports), no threads, no processes, no native access, no environment,
 * no polyglot access, and none of the shell built-ins ({@code load}, {@code print},
 * {@code console}, {@code Polyglot}, {@code Graal}); SharedArrayBuffer is off. The only way out
 * is the {@code gov} object, built by a prelude from the {@link Host} the caller passes: each
 * {@code gov.op(...args)} sends the op name and its JSON-encoded arguments to
 * {@link Host#call} and gets JSON back, so no Java object ever reaches the script. Caps come
 * from {@link ConstitutionLimits}; a script that exceeds one throws {@link ScriptFailure} with
 * {@link ScriptFailure#limitExceeded()} and the runtime stays usable.
 *
 * <p>The policy is GraalJS's TRUSTED one with every permission removed by hand, not the
 * CONSTRAINED policy: CONSTRAINED forbids the (experimental) string and typed-array length
 * options that bound single allocations, and community GraalJS has no heap cap either way.
 *
 * <p>Thread-safe: each call uses its own context on the calling thread; one daemon watchdog
 * thread enforces the time and allocation caps. {@link #close()} releases the engine.
 */
public final class ConstitutionRuntime implements AutoCloseable {

    /** The bridge from a script's {@code gov} object to Java. Called on the script's thread. */
    public interface Host {
        /** The op names the script's {@code gov} object offers. */
        List<String> operations();

        /**
         * Runs op with its arguments (a JSON array) and returns the result as JSON text ("null"
         * for none). Throws IllegalArgumentException or IllegalStateException to raise a JS
         * Error in the script with the exception's message.
         */
        String call(String op, JsonNode args);
    }

    /** A host with no operations. */
    public static final Host NO_HOST = new Host() {
        @Override
        public List<String> operations() {
            return List.of();
        }

        @Override
        public String call(String op, JsonNode args) {
            throw new IllegalArgumentException("no operation " + op);
        }
    };

    private static final String PRELUDE = """
            (function (host, opsJson) {
              'use strict';
              // Host access is off already; these names would only give confusing errors.
              for (const name of ['Java', 'Packages', 'java', 'javax', 'com', 'org', 'edu', 'net']) {
                delete globalThis[name];
              }
              const call = (op, args) => {
                const r = JSON.parse(host(op, JSON.stringify(args)));
                if (r.error !== undefined) { throw new Error(r.error); }
                return r.result === null ? undefined : r.result;
              };
              const gov = {};
              for (const op of JSON.parse(opsJson)) { gov[op] = (...args) => call(op, args); }
              Object.defineProperty(globalThis, 'gov', { value: Object.freeze(gov), writable: false, configurable: false });
            })
            """;

    private static final String INVOKE = """
            (function (ns, name, argsJson) {
              'use strict';
              const f = ns[name];
              if (typeof f !== 'function') { throw new Error('the script does not export a function ' + name); }
              const r = f(...JSON.parse(argsJson));
              return JSON.stringify(r === undefined ? null : r);
            })
            """;

    private final ConstitutionLimits limits;
    private final Engine engine;
    private final ScheduledExecutorService watchdog;
    private final com.sun.management.ThreadMXBean threads;

    public ConstitutionRuntime(ConstitutionLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.engine = Engine.newBuilder("js")
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .option("engine.WarnInterpreterOnly", "false")
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "consort-constitution-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (threads.isThreadAllocatedMemorySupported() && !threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        // The first context of an engine is slow to build (seconds on a busy machine without
        // a JIT): pay for it here rather than inside the first script's time cap.
        try (Context warm = newContext()) {
            warm.eval("js", PRELUDE).execute(hostFunction(NO_HOST), "[]");
            warm.eval(Source.newBuilder("js", "export function f() { return 1; }", "warmup.mjs")
                    .mimeType("application/javascript+module").buildLiteral());
        }
    }

    public ConstitutionLimits limits() {
        return limits;
    }

    /**
     * Evaluates {@code moduleText} as a module named {@code moduleName} and calls its exported
     * function {@code function} with {@code args} (each already a JSON value); returns the
     * result as JSON (null when the function returned undefined).
     */
    public JsonNode invoke(String moduleName, String moduleText, String function, ArrayNode args, Host host) {
        Objects.requireNonNull(moduleText, "moduleText");
        String what = moduleName + "." + function;
        return guarded(what, host, context -> {
            Value ns = loadModule(context, moduleName, moduleText);
            Value result = context.eval("js", INVOKE).execute(ns, function, Json.write(args));
            return Json.parse(result.asString(), what + " result");
        });
    }

    /** Loads {@code moduleText} and checks it exports each of {@code functions}; ScriptFailure if not. */
    public void checkExports(String moduleName, String moduleText, List<String> functions) {
        Objects.requireNonNull(moduleText, "moduleText");
        guarded(moduleName, NO_HOST, context -> {
            Value ns = loadModule(context, moduleName, moduleText);
            for (String f : functions) {
                Value v = ns.getMember(f);
                if (v == null || !v.canExecute()) {
                    throw new ScriptFailure(moduleName + " does not export a function " + f, false);
                }
            }
            return null;
        });
    }

    private static Value loadModule(Context context, String moduleName, String moduleText) {
        return context.eval(Source.newBuilder("js", moduleText, moduleName + ".mjs")
                .mimeType("application/javascript+module").buildLiteral());
    }

    /** Runs {@code body} in a fresh context with {@code gov} installed, under every cap. */
    private <T> T guarded(String what, Host host, java.util.function.Function<Context, T> body) {
        Context context = newContext();
        AtomicReference<String> stopReason = new AtomicReference<>();
        long threadId = Thread.currentThread().threadId();
        long allocatedAtStart = allocated(threadId);
        long startNanos = System.nanoTime();
        long timeMaxNanos = limits.timeMax().toNanos();
        long period = limits.watchdogPeriod().toNanos();
        ScheduledFuture<?> guard = watchdog.scheduleAtFixedRate(() -> {
            String reason = null;
            if (allocatedAtStart >= 0 && allocated(threadId) - allocatedAtStart > limits.allocatedBytesMax()) {
                reason = "allocated more than " + limits.allocatedBytesMax() + " bytes";
            } else if (System.nanoTime() - startNanos > timeMaxNanos) {
                reason = "ran longer than " + limits.timeMax().toMillis() + " ms";
            }
            if (reason != null && stopReason.compareAndSet(null, reason)) {
                try {
                    context.close(true);
                } catch (RuntimeException ignored) {
                    // Already closing; the script is stopped either way.
                }
            }
        }, period, period, TimeUnit.NANOSECONDS);
        try {
            context.eval("js", PRELUDE).execute(hostFunction(host), Json.write(operationsOf(host)));
            return body.apply(context);
        } catch (PolyglotException e) {
            String stopped = stopReason.get();
            if (stopped != null || e.isCancelled() || e.isResourceExhausted()) {
                throw new ScriptFailure(what + " was stopped: " + (stopped != null ? stopped : e.getMessage()), true);
            }
            throw new ScriptFailure(what + " failed: " + e.getMessage(), false);
        } catch (IllegalStateException e) {
            // The watchdog closed the context between two evaluations.
            String stopped = stopReason.get();
            if (stopped != null) {
                throw new ScriptFailure(what + " was stopped: " + stopped, true);
            }
            throw e;
        } finally {
            guard.cancel(false);
            try {
                context.close(true);
            } catch (RuntimeException ignored) {
                // A cancelled context reports its cancellation again on close.
            }
        }
    }

    private Context newContext() {
        return Context.newBuilder("js")
                .engine(engine)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(name -> false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowExperimentalOptions(true)
                .option("js.esm-eval-returns-exports", "true")
                .option("js.string-length-limit", Integer.toString(limits.stringLengthMax()))
                .option("js.max-typed-array-length", Integer.toString(limits.typedArrayLengthMax()))
                .option("js.shared-array-buffer", "false")
                .option("js.load", "false")
                .option("js.print", "false")
                .option("js.console", "false")
                .option("js.polyglot-builtin", "false")
                .option("js.graal-builtin", "false")
                .resourceLimits(ResourceLimits.newBuilder().statementLimit(limits.statementsMax(), null).build())
                .build();
    }

    private static ArrayNode operationsOf(Host host) {
        ArrayNode ops = Json.MAPPER.createArrayNode();
        host.operations().forEach(ops::add);
        return ops;
    }

    private static ProxyExecutable hostFunction(Host host) {
        return args -> {
            var reply = Json.newObject();
            try {
                String op = args[0].asString();
                JsonNode parsed = Json.parse(args[1].asString(), "arguments of gov." + op);
                reply.set("result", Json.parse(host.call(op, parsed), "result of gov." + op));
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                reply.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            return Json.write(reply);
        };
    }

    private long allocated(long threadId) {
        return threads.isThreadAllocatedMemorySupported() ? threads.getThreadAllocatedBytes(threadId) : -1;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        engine.close(true);
    }
}
