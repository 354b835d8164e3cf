package org.consort.evm.vm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import org.consort.evm.precompile.PrecompiledContract;

/**
 * Finds the precompiled contract at an address for a fork.
 *
 * <p>Delegates to {@code org.consort.evm.precompile.Precompiles.get(int, boolean)}, looked up
 * once by reflection so that this package compiles on its own while the precompile package is
 * developed separately; when that class is absent there are no precompiles. Thread-safe.
 */
public final class PrecompileRegistry {
    private static final MethodHandle GET = find();

    private PrecompileRegistry() {
    }

    private static MethodHandle find() {
        try {
            Class<?> c = Class.forName("org.consort.evm.precompile.Precompiles");
            return MethodHandles.publicLookup().findStatic(c, "get",
                    MethodType.methodType(Optional.class, int.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** Whether the precompile implementation is present on the class path. */
    public static boolean available() {
        return GET != null;
    }

    /** Highest precompile address of a fork: 0x09 through Shanghai, 0x0a from Cancun (EIP-4844). */
    public static int count(boolean cancun) {
        return cancun ? 10 : 9;
    }

    @SuppressWarnings("unchecked")
    public static Optional<PrecompiledContract> get(int address, boolean cancun) {
        if (GET == null || address < 1 || address > count(cancun)) {
            return Optional.empty();
        }
        try {
            return (Optional<PrecompiledContract>) GET.invokeExact(address, cancun);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("precompile lookup failed", t);
        }
    }
}
