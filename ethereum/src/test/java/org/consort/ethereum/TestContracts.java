package org.consort.ethereum;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;

/**
 * Small contracts assembled by hand for the unit tests (the end-to-end test compiles real
 * Solidity). "Notes": {@code store(uint256)} keeps a value and emits {@code Stored(address indexed
 * by, uint256 value)}; {@code get()} returns it; selector {@code 0xdeadbeef} reverts with data
 * {@code 0x1234}; with a reader, {@code canRead(address)} is true only for that reader (and
 * without one the function is absent: unknown selectors revert without data, as Solidity does).
 */
final class TestContracts {
    static final byte[] STORED_TOPIC = Hashes.keccak256("Stored(address,uint256)".getBytes(StandardCharsets.US_ASCII));

    private TestContracts() {
    }

    static int selector(String signature) {
        byte[] h = Hashes.keccak256(signature.getBytes(StandardCharsets.US_ASCII));
        return ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
    }

    static byte[] call(String signature, byte[]... words) {
        byte[] out = new byte[4 + 32 * words.length];
        int s = selector(signature);
        out[0] = (byte) (s >>> 24);
        out[1] = (byte) (s >>> 16);
        out[2] = (byte) (s >>> 8);
        out[3] = (byte) s;
        for (int i = 0; i < words.length; i++) {
            System.arraycopy(words[i], 0, out, 4 + 32 * i + 32 - words[i].length, words[i].length);
        }
        return out;
    }

    /** Creation code of Notes; {@code reader} null leaves canRead out. */
    static byte[] notes(Address reader) {
        Asm a = new Asm();
        a.push(0).op(0x35).push(0xe0).op(0x1c); // selector = calldataload(0) >> 224
        a.op(0x80).push4(0xdeadbeef).op(0x14).jumpi("revert");
        if (reader != null) {
            a.op(0x80).push4(selector("canRead(address)")).op(0x14).jumpi("canRead");
        }
        a.op(0x80).push4(selector("store(uint256)")).op(0x14).jumpi("store");
        a.op(0x80).push4(selector("get()")).op(0x14).jumpi("get");
        a.push(0).push(0).op(0xfd); // unknown selector: revert(0, 0)

        a.label("revert").push(0x1234).push(0).op(0x52).push(2).push(30).op(0xfd);
        if (reader != null) {
            a.label("canRead").push(4).op(0x35).pushBytes(reader.toBytes()).op(0x14)
                    .push(0).op(0x52).push(32).push(0).op(0xf3);
        }
        a.label("store").push(4).op(0x35).op(0x80).push(0).op(0x55) // sstore(0, v)
                .push(0).op(0x52) // mstore(0, v)
                .op(0x33).pushBytes(STORED_TOPIC).push(32).push(0).op(0xa2).op(0x00); // log2(0, 32, topic, caller)
        a.label("get").push(0).op(0x54).push(0).op(0x52).push(32).push(0).op(0xf3);
        return creation(a.assemble());
    }

    /** Init code that returns {@code runtime}. */
    static byte[] creation(byte[] runtime) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int len = runtime.length;
        byte[] init = {0x61, (byte) (len >>> 8), (byte) len, 0x61, 0x00, 0x0f, 0x60, 0x00, 0x39,
            0x61, (byte) (len >>> 8), (byte) len, 0x60, 0x00, (byte) 0xf3};
        out.writeBytes(init);
        out.writeBytes(runtime);
        return out.toByteArray();
    }

    /** A two-pass assembler: ops, pushes, labels (jump targets are PUSH2). */
    static final class Asm {
        private final ByteArrayOutputStream code = new ByteArrayOutputStream();
        private final Map<String, Integer> labels = new HashMap<>();
        private final Map<Integer, String> fixups = new HashMap<>();

        Asm op(int op) {
            code.write(op);
            return this;
        }

        Asm push(int v) {
            if (v < 0x100) {
                code.write(0x60);
                code.write(v);
            } else {
                code.write(0x61);
                code.write(v >>> 8);
                code.write(v);
            }
            return this;
        }

        Asm push4(int v) {
            code.write(0x63);
            code.write(v >>> 24);
            code.write(v >>> 16);
            code.write(v >>> 8);
            code.write(v);
            return this;
        }

        Asm pushBytes(byte[] b) {
            code.write(0x5f + b.length);
            code.writeBytes(b);
            return this;
        }

        Asm jumpi(String label) {
            code.write(0x61);
            fixups.put(code.size(), label);
            code.write(0);
            code.write(0);
            code.write(0x57);
            return this;
        }

        Asm label(String name) {
            labels.put(name, code.size());
            code.write(0x5b);
            return this;
        }

        byte[] assemble() {
            byte[] b = code.toByteArray();
            fixups.forEach((at, label) -> {
                int target = labels.get(label);
                b[at] = (byte) (target >>> 8);
                b[at + 1] = (byte) target;
            });
            return b;
        }
    }
}
