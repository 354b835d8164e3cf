package org.consort.evm.vm;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Eip;
import org.consort.evm.fork.Fork;
import org.consort.evm.precompile.PrecompiledContract;
import org.consort.evm.rlp.Rlp;

/**
 * Executes message calls and contract creations of one transaction.
 *
 * <p>The stack is a {@code long[]} of four limbs per word and memory a growable byte array, so
 * the hot loop allocates nothing for arithmetic, stack and memory operations. Nested calls
 * recurse (depth is bounded at 1024 by the EVM; run deep transactions on a thread with a large
 * stack). Every loop is bounded by gas and every allocation by memory-expansion gas.
 *
 * <p>One instance per transaction; not thread-safe.
 */
public final class Interpreter {
    public static final int MAX_STACK = 1024;
    public static final int MAX_DEPTH = 1024;
    public static final int MAX_CODE_SIZE = 24576;
    public static final int MAX_INITCODE_SIZE = 2 * MAX_CODE_SIZE;

    private static final long WARM = 100;
    private static final long COLD_ACCOUNT = 2600;
    private static final long COLD_SLOAD = 2100;
    private static final long CALL_VALUE = 9000;
    private static final long CALL_STIPEND = 2300;
    private static final long NEW_ACCOUNT = 25000;
    private static final long SSTORE_SET = 20000;
    private static final long SSTORE_RESET = 5000;
    private static final long CODE_DEPOSIT = 200;

    private final Fork fork;
    private final BlockEnv block;
    private final TxState state;
    private final Address origin;
    private final Word gasPrice;
    private final List<Word> blobHashes;
    private final Word blobBaseFee;
    private final boolean[] valid;
    private final boolean cancun;
    private final long[] scratch = new long[8];
    /**
     * Operand stacks kept per thread for the frames of the first {@link #POOLED_DEPTHS} call
     * depths: a stack is 32 KiB ({@link #MAX_STACK} words), allocated and zeroed for every frame
     * it was a third of what a node allocated under ERC-20 transfers. A slot is empty while its
     * stack is in use, so a frame never shares a stack, however calls nest.
     */
    private static final int POOLED_DEPTHS = 8;
    private static final ThreadLocal<long[][]> STACKS = ThreadLocal.withInitial(() -> new long[POOLED_DEPTHS][]);
    private final Map<byte[], long[]> jumpdestCache = new IdentityHashMap<>();

    public Interpreter(Fork fork, BlockEnv block, TxState state, Address origin, Word gasPrice,
            List<Word> blobHashes, Word blobBaseFee) {
        this.fork = fork;
        this.block = block;
        this.state = state;
        this.origin = origin;
        this.gasPrice = gasPrice;
        this.blobHashes = List.copyOf(blobHashes);
        this.blobBaseFee = blobBaseFee;
        this.valid = Opcodes.sharedTable(fork);
        this.cancun = fork.has(Eip.EIP_4844);
    }

    /** Contract address for CREATE and creation transactions: keccak(rlp([sender, nonce]))[12:]. */
    public static Address createAddress(Address sender, long nonce) {
        byte[] h = Hashes.keccak256(Rlp.encodeList(Rlp.encodeBytes(sender.toBytes()), Rlp.encodeLong(nonce)));
        return Address.wrap(java.util.Arrays.copyOfRange(h, 12, 32));
    }

    /** CREATE2 address: keccak(0xff ++ sender ++ salt ++ keccak(initcode))[12:]. */
    public static Address create2Address(Address sender, Word salt, byte[] initCode) {
        byte[] buf = new byte[85];
        buf[0] = (byte) 0xff;
        System.arraycopy(sender.toBytes(), 0, buf, 1, 20);
        System.arraycopy(salt.toBytes(), 0, buf, 21, 32);
        System.arraycopy(Hashes.keccak256(initCode), 0, buf, 53, 32);
        byte[] h = Hashes.keccak256(buf);
        return Address.wrap(java.util.Arrays.copyOfRange(h, 12, 32));
    }

    public Optional<PrecompiledContract> precompile(Address a) {
        int n = a.smallNumber();
        return n > 0 ? PrecompileRegistry.get(n, cancun) : Optional.empty();
    }

    /** Runs a message call: value transfer, code, and revert of its effects on failure. */
    public ExecResult call(Message m) {
        int snap = state.snapshot();
        state.touch(m.target());
        if (m.transferValue() && !m.value().isZero()) {
            state.transfer(m.caller(), m.target(), m.value());
        }
        ExecResult r = executeCode(m);
        if (!r.success()) {
            state.revertTo(snap);
        }
        return r;
    }

    /** Runs a creation whose target address has been checked for collisions. */
    public ExecResult create(Message m) {
        int snap = state.snapshot();
        state.markCreated(m.target());
        state.setNonce(m.target(), 1);
        ExecResult r = call(m);
        if (!r.success()) {
            state.revertTo(snap);
            return r;
        }
        byte[] code = r.output();
        String fail = null;
        if (code.length > 0 && (code[0] & 0xFF) == 0xEF && fork.has(Eip.EIP_3541)) {
            fail = "new code starts with 0xEF (EIP-3541)";
        } else if (CODE_DEPOSIT * code.length > r.gasLeft()) {
            fail = "out of gas for code deposit";
        } else if (code.length > MAX_CODE_SIZE) {
            fail = "code larger than " + MAX_CODE_SIZE + " bytes";
        }
        if (fail != null) {
            state.revertTo(snap);
            return ExecResult.halt(fail);
        }
        state.setCode(m.target(), code);
        return new ExecResult(true, r.gasLeft() - CODE_DEPOSIT * code.length, ExecResult.EMPTY, null);
    }

    private ExecResult executeCode(Message m) {
        Optional<PrecompiledContract> pc = precompile(m.codeAddress());
        if (pc.isPresent()) {
            long need = pc.get().gasRequirement(m.data());
            if (need > m.gas()) {
                return ExecResult.halt("out of gas in precompile");
            }
            Optional<byte[]> out = pc.get().compute(m.data());
            if (out.isEmpty()) {
                return ExecResult.halt("precompile rejected its input");
            }
            return new ExecResult(true, m.gas() - need, out.get(), null);
        }
        if (m.code().length == 0) {
            return new ExecResult(true, m.gas(), ExecResult.EMPTY, null);
        }
        return run(m);
    }

    private long[] jumpdests(byte[] code) {
        long[] j = jumpdestCache.get(code);
        if (j == null) {
            j = new long[(code.length >>> 6) + 1];
            for (int i = 0; i < code.length; i++) {
                int op = code[i] & 0xFF;
                if (op == 0x5b) {
                    j[i >>> 6] |= 1L << (i & 63);
                } else if (op >= 0x60 && op <= 0x7f) {
                    i += op - 0x5f;
                }
            }
            jumpdestCache.put(code, j);
        }
        return j;
    }

    private static boolean isJumpdest(long[] j, long dest, int codeLength) {
        return dest >= 0 && dest < codeLength && (j[(int) (dest >>> 6)] & (1L << (dest & 63))) != 0;
    }

    /** Thrown inside the loop for exceptional halts; caught once per frame. */
    private static final class Halt extends RuntimeException {
        Halt(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Frame {
        final Message m;
        final byte[] code;
        /** The operand stack; words above {@link #sp} hold leftovers and are never read. */
        final long[] s;
        int sp;
        long gas;
        final Memory mem = new Memory();
        byte[] returnData = ExecResult.EMPTY;

        Frame(Message m, long[] stack) {
            this.m = m;
            this.s = stack;
            this.code = m.code();
            this.gas = m.gas();
        }

        void charge(long cost) {
            if (cost < 0 || cost > gas) {
                throw new Halt("out of gas");
            }
            gas -= cost;
        }

        /** Offset of the stack item {@code k} below the top (0 = top). */
        int at(int k) {
            return (sp - 1 - k) << 2;
        }

        void pushLong(long v) {
            UInt256.setLong(s, sp << 2, v);
            sp++;
        }

        void pushWord(Word w) {
            UInt256.set(s, sp << 2, w.l3(), w.l2(), w.l1(), w.l0());
            sp++;
        }

        void pushBytes(byte[] b, int off, int len) {
            int r = sp << 2;
            UInt256.setLong(s, r, 0);
            for (int i = 0; i < len; i++) {
                int pos = len - 1 - i;
                s[r + (pos >>> 3)] |= (b[off + i] & 0xFFL) << ((pos & 7) << 3);
            }
            sp++;
        }

        Word word(int k) {
            int a = at(k);
            return new Word(s[a + 3], s[a + 2], s[a + 1], s[a]);
        }

        Address address(int k) {
            int a = at(k);
            byte[] b = new byte[20];
            long l2 = s[a + 2], l1 = s[a + 1], l0 = s[a];
            for (int i = 0; i < 4; i++) {
                b[3 - i] = (byte) (l2 >>> (8 * i));
            }
            for (int i = 0; i < 8; i++) {
                b[11 - i] = (byte) (l1 >>> (8 * i));
                b[19 - i] = (byte) (l0 >>> (8 * i));
            }
            return Address.wrap(b);
        }

        long clamp(int k) {
            return UInt256.clamp(s, at(k));
        }

        /** Charges for and performs memory expansion over [off, off+len). */
        void expand(long off, long len) {
            if (len == 0) {
                return;
            }
            charge(mem.expansionCost(off, len));
            mem.ensure(off, len);
        }
    }

    private static long words(long len) {
        return (len + 31) >>> 5;
    }

    private static long copyCost(long len) {
        return len == Long.MAX_VALUE ? Long.MAX_VALUE : 3 * words(len);
    }

    private ExecResult run(Message m) {
        int depth = m.depth();
        long[][] pool = depth < POOLED_DEPTHS ? STACKS.get() : null;
        long[] stack = pool == null ? null : pool[depth];
        if (stack == null) {
            stack = new long[MAX_STACK * 4];
        } else {
            pool[depth] = null;
        }
        Frame f = new Frame(m, stack);
        try {
            return loop(f);
        } catch (Halt h) {
            return ExecResult.halt(h.getMessage());
        } finally {
            if (pool != null) {
                pool[depth] = stack;
            }
        }
    }

    /** Charges memory expansion against {@code gas} and grows memory; returns the gas left. */
    private static long expand(Memory mem, long off, long len, long gas) {
        long cost = mem.expansionCost(off, len);
        if (cost > gas) {
            throw new Halt("out of gas");
        }
        mem.ensure(off, len);
        return gas - cost;
    }

    /**
     * The interpreter loop. Stack pointer, gas and pc live in locals; opcodes that need the
     * frame (environment, state, memory copies, calls, halts) go through {@link #slowOp},
     * with the locals written back to the frame around the call.
     */
    private ExecResult loop(Frame f) {
        final byte[] code = f.code;
        final long[] s = f.s;
        final long[] jd = jumpdests(code);
        final boolean[] valid = this.valid;
        int pc = 0;
        int sp = 0;
        long gas = f.gas;
        while (true) {
            if (pc >= code.length) {
                return new ExecResult(true, gas, ExecResult.EMPTY, null);
            }
            int op = code[pc] & 0xFF;
            if (!valid[op]) {
                throw new Halt(op == 0xfe ? "INVALID opcode" : "undefined opcode " + Opcodes.name(op));
            }
            int in = Opcodes.IN[op];
            if (sp < in) {
                throw new Halt("stack underflow at " + Opcodes.name(op));
            }
            if (sp - in + Opcodes.OUT[op] > MAX_STACK) {
                throw new Halt("stack overflow at " + Opcodes.name(op));
            }
            long staticGas = Opcodes.GAS[op];
            if (staticGas > gas) {
                throw new Halt("out of gas");
            }
            gas -= staticGas;
            int top = (sp - 1) << 2;
            int second = top - 4;
            switch (op) {
                case 0x01:
                    UInt256.add(s, top, second, second);
                    sp--;
                    break;
                case 0x02:
                    UInt256.mul(s, top, second, second);
                    sp--;
                    break;
                case 0x03:
                    UInt256.sub(s, top, second, second);
                    sp--;
                    break;
                case 0x04:
                    UInt256.div(s, top, second, second);
                    sp--;
                    break;
                case 0x05:
                    UInt256.sdiv(s, top, second, second);
                    sp--;
                    break;
                case 0x06:
                    UInt256.mod(s, top, second, second);
                    sp--;
                    break;
                case 0x07:
                    UInt256.smod(s, top, second, second);
                    sp--;
                    break;
                case 0x08:
                    UInt256.addmod(s, top, second, second - 4, second - 4);
                    sp -= 2;
                    break;
                case 0x09:
                    UInt256.mulmod(s, top, second, second - 4, second - 4);
                    sp -= 2;
                    break;
                case 0x0a:
                    long expCost = 50L * UInt256.byteLength(s, second);
                    if (expCost > gas) {
                        throw new Halt("out of gas");
                    }
                    gas -= expCost;
                    UInt256.exp(s, top, second, second, scratch);
                    sp--;
                    break;
                case 0x0b:
                    UInt256.signExtend(s, top, second, second);
                    sp--;
                    break;
                case 0x10:
                    UInt256.setLong(s, second, UInt256.compareUnsigned(s, top, second) < 0 ? 1 : 0);
                    sp--;
                    break;
                case 0x11:
                    UInt256.setLong(s, second, UInt256.compareUnsigned(s, top, second) > 0 ? 1 : 0);
                    sp--;
                    break;
                case 0x12:
                    UInt256.setLong(s, second, UInt256.compareSigned(s, top, second) < 0 ? 1 : 0);
                    sp--;
                    break;
                case 0x13:
                    UInt256.setLong(s, second, UInt256.compareSigned(s, top, second) > 0 ? 1 : 0);
                    sp--;
                    break;
                case 0x14:
                    UInt256.setLong(s, second, UInt256.compareUnsigned(s, top, second) == 0 ? 1 : 0);
                    sp--;
                    break;
                case 0x15:
                    UInt256.setLong(s, top, UInt256.isZero(s, top) ? 1 : 0);
                    break;
                case 0x16:
                    for (int i = 0; i < 4; i++) {
                        s[second + i] &= s[top + i];
                    }
                    sp--;
                    break;
                case 0x17:
                    for (int i = 0; i < 4; i++) {
                        s[second + i] |= s[top + i];
                    }
                    sp--;
                    break;
                case 0x18:
                    for (int i = 0; i < 4; i++) {
                        s[second + i] ^= s[top + i];
                    }
                    sp--;
                    break;
                case 0x19:
                    for (int i = 0; i < 4; i++) {
                        s[top + i] = ~s[top + i];
                    }
                    break;
                case 0x1a:
                    UInt256.byteOp(s, top, second, second);
                    sp--;
                    break;
                case 0x1b:
                    UInt256.shl(s, top, second, second);
                    sp--;
                    break;
                case 0x1c:
                    UInt256.shr(s, top, second, second, false);
                    sp--;
                    break;
                case 0x1d:
                    UInt256.shr(s, top, second, second, true);
                    sp--;
                    break;
                case 0x50:
                    sp--;
                    break;
                case 0x51: {
                    long off = UInt256.clamp(s, top);
                    gas = expand(f.mem, off, 32, gas);
                    f.mem.loadWord(off, s, top);
                    break;
                }
                case 0x52: {
                    long off = UInt256.clamp(s, top);
                    gas = expand(f.mem, off, 32, gas);
                    f.mem.storeWord(off, s, second);
                    sp -= 2;
                    break;
                }
                case 0x56: {
                    long dest = UInt256.clamp(s, top);
                    if (!isJumpdest(jd, dest, code.length)) {
                        throw new Halt("bad jump destination");
                    }
                    sp--;
                    pc = (int) dest;
                    continue;
                }
                case 0x57: {
                    boolean jump = !UInt256.isZero(s, second);
                    long dest = UInt256.clamp(s, top);
                    sp -= 2;
                    if (jump) {
                        if (!isJumpdest(jd, dest, code.length)) {
                            throw new Halt("bad jump destination");
                        }
                        pc = (int) dest;
                        continue;
                    }
                    break;
                }
                case 0x58:
                    UInt256.setLong(s, sp << 2, pc);
                    sp++;
                    break;
                case 0x5a:
                    UInt256.setLong(s, sp << 2, gas);
                    sp++;
                    break;
                case 0x5b:
                    break;
                case 0x5f:
                    UInt256.setLong(s, sp << 2, 0);
                    sp++;
                    break;
                case 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f: {
                    int n = op - 0x5f;
                    int r = sp << 2;
                    int last = pc + n;
                    // limb by limb from the least significant end; bytes past the code read as zero
                    for (int limb = 0; limb < 4; limb++) {
                        int end = last - 8 * limb;
                        int start = Math.max(pc + 1, end - 7);
                        long v = 0;
                        for (int i = start; i <= end; i++) {
                            v = (v << 8) | (i < code.length ? code[i] & 0xFFL : 0);
                        }
                        s[r + limb] = v;
                    }
                    sp++;
                    pc += n + 1;
                    continue;
                }
                case 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f: {
                    int src = (sp - 1 - (op - 0x80)) << 2;
                    int dst = sp << 2;
                    s[dst] = s[src];
                    s[dst + 1] = s[src + 1];
                    s[dst + 2] = s[src + 2];
                    s[dst + 3] = s[src + 3];
                    sp++;
                    break;
                }
                case 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f: {
                    int other = (sp - 1 - (op - 0x8f)) << 2;
                    for (int i = 0; i < 4; i++) {
                        long tmp = s[top + i];
                        s[top + i] = s[other + i];
                        s[other + i] = tmp;
                    }
                    break;
                }
                default: {
                    f.sp = sp;
                    f.gas = gas;
                    ExecResult done = slowOp(f, op, pc);
                    if (done != null) {
                        return done;
                    }
                    sp = f.sp;
                    gas = f.gas;
                    break;
                }
            }
            pc++;
        }
    }

    /** The opcodes that need the frame; returns the frame's result when the opcode ends it, else null. */
    private ExecResult slowOp(Frame f, int op, int pc) {
        final byte[] code = f.code;
        final long[] s = f.s;
        int top = (f.sp - 1) << 2;
        int second = top - 4;
        switch (op) {
                case 0x00:
                    return new ExecResult(true, f.gas, ExecResult.EMPTY, null);
                case 0x20: {
                    long off = f.clamp(0);
                    long len = f.clamp(1);
                    f.charge(len == Long.MAX_VALUE ? Long.MAX_VALUE : 6 * words(len));
                    f.expand(off, len);
                    byte[] h = len == 0 ? Hashes.keccak256(ExecResult.EMPTY)
                            : Hashes.keccak256(f.mem.raw(), (int) off, (int) len);
                    f.sp -= 2;
                    f.pushBytes(h, 0, 32);
                    break;
                }
                case 0x30:
                    f.pushWord(f.m.target().toWord());
                    break;
                case 0x31: {
                    Address a = f.address(0);
                    f.charge(accessCost(a));
                    f.sp--;
                    f.pushWord(state.balance(a));
                    break;
                }
                case 0x32:
                    f.pushWord(origin.toWord());
                    break;
                case 0x33:
                    f.pushWord(f.m.caller().toWord());
                    break;
                case 0x34:
                    f.pushWord(f.m.value());
                    break;
                case 0x35: {
                    long off = f.clamp(0);
                    byte[] data = f.m.data();
                    f.sp--;
                    byte[] w = new byte[32];
                    if (off < data.length) {
                        System.arraycopy(data, (int) off, w, 0, (int) Math.min(32, data.length - off));
                    }
                    f.pushBytes(w, 0, 32);
                    break;
                }
                case 0x36:
                    f.pushLong(f.m.data().length);
                    break;
                case 0x37:
                case 0x39:
                case 0x3e: {
                    long memOff = f.clamp(0);
                    long srcOff = f.clamp(1);
                    long len = f.clamp(2);
                    f.charge(copyCost(len));
                    byte[] src = op == 0x37 ? f.m.data() : op == 0x39 ? code : f.returnData;
                    if (op == 0x3e && (srcOff == Long.MAX_VALUE || len == Long.MAX_VALUE || srcOff + len > src.length)) {
                        throw new Halt("RETURNDATACOPY out of bounds");
                    }
                    f.expand(memOff, len);
                    f.mem.copyFrom(src, srcOff, memOff, len);
                    f.sp -= 3;
                    break;
                }
                case 0x38:
                    f.pushLong(code.length);
                    break;
                case 0x3a:
                    f.pushWord(gasPrice);
                    break;
                case 0x3b: {
                    Address a = f.address(0);
                    f.charge(accessCost(a));
                    f.sp--;
                    f.pushLong(state.code(a).length);
                    break;
                }
                case 0x3c: {
                    Address a = f.address(0);
                    long memOff = f.clamp(1);
                    long srcOff = f.clamp(2);
                    long len = f.clamp(3);
                    f.charge(copyCost(len));
                    f.expand(memOff, len);
                    f.charge(accessCost(a));
                    f.mem.copyFrom(state.code(a), srcOff, memOff, len);
                    f.sp -= 4;
                    break;
                }
                case 0x3d:
                    f.pushLong(f.returnData.length);
                    break;
                case 0x3f: {
                    Address a = f.address(0);
                    f.charge(accessCost(a));
                    f.sp--;
                    if (state.isAlive(a)) {
                        f.pushBytes(state.codeHash(a), 0, 32);
                    } else {
                        f.pushLong(0);
                    }
                    break;
                }
                case 0x40: {
                    long n = f.clamp(0);
                    f.sp--;
                    if (n < block.number() && n >= block.number() - 256) {
                        f.pushWord(block.blockHashes().apply(n));
                    } else {
                        f.pushLong(0);
                    }
                    break;
                }
                case 0x41:
                    f.pushWord(block.coinbase().toWord());
                    break;
                case 0x42:
                    f.pushLong(block.timestamp());
                    break;
                case 0x43:
                    f.pushLong(block.number());
                    break;
                case 0x44:
                    f.pushWord(fork.has(Eip.EIP_4399) ? block.prevRandao() : block.difficulty());
                    break;
                case 0x45:
                    f.pushLong(block.gasLimit());
                    break;
                case 0x46:
                    f.pushWord(block.chainId());
                    break;
                case 0x47:
                    f.pushWord(state.balance(f.m.target()));
                    break;
                case 0x48:
                    f.pushWord(block.baseFee());
                    break;
                case 0x49: {
                    long i = f.clamp(0);
                    f.sp--;
                    if (i < blobHashes.size()) {
                        f.pushWord(blobHashes.get((int) i));
                    } else {
                        f.pushLong(0);
                    }
                    break;
                }
                case 0x4a:
                    f.pushWord(blobBaseFee);
                    break;
                case 0x53: {
                    long off = f.clamp(0);
                    f.expand(off, 1);
                    f.mem.storeByte(off, (byte) s[second]);
                    f.sp -= 2;
                    break;
                }
                case 0x54: {
                    Word key = f.word(0);
                    f.charge(state.warmSlot(f.m.target(), key) ? COLD_SLOAD : WARM);
                    f.sp--;
                    f.pushWord(state.storage(f.m.target(), key));
                    break;
                }
                case 0x55:
                    sstore(f);
                    break;
                case 0x59:
                    f.pushLong(f.mem.size());
                    break;
                case 0x5c: {
                    Word key = f.word(0);
                    f.sp--;
                    f.pushWord(state.transientLoad(f.m.target(), key));
                    break;
                }
                case 0x5d: {
                    if (f.m.isStatic()) {
                        throw new Halt("TSTORE in a static call");
                    }
                    state.transientStore(f.m.target(), f.word(0), f.word(1));
                    f.sp -= 2;
                    break;
                }
                case 0x5e: {
                    long dst = f.clamp(0);
                    long src = f.clamp(1);
                    long len = f.clamp(2);
                    f.charge(copyCost(len));
                    if (len > 0) {
                        f.expand(Math.max(dst, src), len);
                        f.mem.copyWithin(src, dst, len);
                    }
                    f.sp -= 3;
                    break;
                }
                case 0xf0:
                case 0xf5:
                    createOp(f, op == 0xf5);
                    break;
                case 0xf1:
                case 0xf2:
                case 0xf4:
                case 0xfa:
                    callOp(f, op);
                    break;
                case 0xf3:
                case 0xfd: {
                    long off = f.clamp(0);
                    long len = f.clamp(1);
                    f.expand(off, len);
                    byte[] out = f.mem.slice(off, len);
                    return op == 0xf3 ? new ExecResult(true, f.gas, out, null) : new ExecResult(false, f.gas, out, "revert");
                }
                case 0xff:
                    selfDestruct(f);
                    return new ExecResult(true, f.gas, ExecResult.EMPTY, null);
                default:
                    if (op >= 0xa0 && op <= 0xa4) {
                        log(f, op - 0xa0);
                    } else {
                        throw new Halt("undefined opcode " + Opcodes.name(op));
                    }
                    break;
        }
        return null;
    }

    private long accessCost(Address a) {
        return state.warm(a) ? COLD_ACCOUNT : WARM;
    }

    private void log(Frame f, int topics) {
        if (f.m.isStatic()) {
            throw new Halt("LOG in a static call");
        }
        long off = f.clamp(0);
        long len = f.clamp(1);
        f.charge(len == Long.MAX_VALUE || len > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : 8 * len);
        f.expand(off, len);
        List<Word> t = new ArrayList<>(topics);
        for (int i = 0; i < topics; i++) {
            t.add(f.word(2 + i));
        }
        state.addLog(new Log(f.m.target(), t, f.mem.slice(off, len)));
        f.sp -= 2 + topics;
    }

    private void sstore(Frame f) {
        if (f.gas <= CALL_STIPEND) {
            throw new Halt("out of gas (SSTORE needs more than the call stipend)");
        }
        Address self = f.m.target();
        Word key = f.word(0);
        Word value = f.word(1);
        Word original = state.originalStorage(self, key);
        Word current = state.storage(self, key);
        long cost = 0;
        if (state.warmSlot(self, key)) {
            cost += COLD_SLOAD;
        }
        if (original.equals(current) && !current.equals(value)) {
            cost += original.isZero() ? SSTORE_SET : SSTORE_RESET - COLD_SLOAD;
        } else {
            cost += WARM;
        }
        f.charge(cost);
        if (f.m.isStatic()) {
            throw new Halt("SSTORE in a static call");
        }
        if (!current.equals(value)) {
            long clears = fork.sstoreClearsRefund();
            if (!original.isZero() && !current.isZero() && value.isZero()) {
                state.addRefund(clears);
            }
            if (!original.isZero() && current.isZero()) {
                state.addRefund(-clears);
            }
            if (original.equals(value)) {
                state.addRefund(original.isZero() ? SSTORE_SET - WARM : SSTORE_RESET - COLD_SLOAD - WARM);
            }
        }
        state.setStorage(self, key, value);
        f.sp -= 2;
    }

    private void selfDestruct(Frame f) {
        Address self = f.m.target();
        Address beneficiary = f.address(0);
        long cost = 0;
        if (state.warm(beneficiary)) {
            cost += COLD_ACCOUNT;
        }
        if (!state.isAlive(beneficiary) && !state.balance(self).isZero()) {
            cost += NEW_ACCOUNT;
        }
        f.charge(cost);
        if (f.m.isStatic()) {
            throw new Halt("SELFDESTRUCT in a static call");
        }
        f.sp--;
        Word balance = state.balance(self);
        if (fork.has(Eip.EIP_6780)) {
            state.transfer(self, beneficiary, balance);
            if (state.wasCreated(self)) {
                state.setBalance(self, Word.ZERO);
                state.selfDestruct(self);
            }
        } else {
            if (!beneficiary.equals(self)) {
                state.addBalance(beneficiary, balance);
            }
            state.setBalance(self, Word.ZERO);
            if (state.selfDestruct(self)) {
                state.addRefund(fork.selfDestructRefund());
            }
        }
        if (state.exists(beneficiary) && !state.isAlive(beneficiary)) {
            state.touch(beneficiary);
        }
    }

    private static long allButOne64th(long gas) {
        return gas - gas / 64;
    }

    private void createOp(Frame f, boolean create2) {
        Word value = f.word(0);
        long off = f.clamp(1);
        long len = f.clamp(2);
        Word salt = create2 ? f.word(3) : null;
        f.sp -= create2 ? 4 : 3;
        f.expand(off, len);
        if (fork.has(Eip.EIP_3860)) {
            f.charge(2 * words(len));
        }
        if (create2) {
            f.charge(6 * words(len));
        }
        if (fork.has(Eip.EIP_3860) && len > MAX_INITCODE_SIZE) {
            throw new Halt("init code larger than " + MAX_INITCODE_SIZE + " bytes (EIP-3860)");
        }
        if (f.m.isStatic()) {
            throw new Halt("CREATE in a static call");
        }
        byte[] initCode = f.mem.slice(off, len);
        Address self = f.m.target();
        Address target = create2 ? create2Address(self, salt, initCode) : createAddress(self, state.nonce(self));
        state.warm(target);
        long childGas = allButOne64th(f.gas);
        f.gas -= childGas;
        f.returnData = ExecResult.EMPTY;
        if (f.m.depth() + 1 > MAX_DEPTH || state.balance(self).compareTo(value) < 0 || state.nonce(self) == -1L) {
            f.gas += childGas;
            f.pushLong(0);
            return;
        }
        if (state.hasCodeNonceOrStorage(target)) {
            state.incrementNonce(self);
            f.pushLong(0);
            return;
        }
        state.incrementNonce(self);
        Message child = new Message(self, target, target, value, ExecResult.EMPTY, initCode, childGas,
                f.m.depth() + 1, false, true);
        ExecResult r = create(child);
        f.gas += r.gasLeft();
        if (r.success()) {
            f.pushWord(target.toWord());
        } else {
            f.returnData = r.output();
            f.pushLong(0);
        }
    }

    private void callOp(Frame f, int op) {
        boolean hasValue = op == 0xf1 || op == 0xf2;
        Word gasWord = f.word(0);
        Address to = f.address(1);
        Word value = hasValue ? f.word(2) : Word.ZERO;
        int k = hasValue ? 3 : 2;
        long inOff = f.clamp(k);
        long inLen = f.clamp(k + 1);
        long outOff = f.clamp(k + 2);
        long outLen = f.clamp(k + 3);
        f.sp -= hasValue ? 7 : 6;

        long memCost;
        long inEnd = inLen == 0 ? 0 : sat(inOff, inLen);
        long outEnd = outLen == 0 ? 0 : sat(outOff, outLen);
        long maxEnd = Math.max(inEnd, outEnd);
        memCost = maxEnd == 0 ? 0 : f.mem.expansionCost(0, maxEnd);

        long extra = accessCost(to);
        if (op == 0xf1 && !value.isZero() && !state.isAlive(to)) {
            extra += NEW_ACCOUNT;
        }
        if (hasValue && !value.isZero()) {
            extra += CALL_VALUE;
        }
        long requested = gasWord.clampedLong();
        long childGas;
        if (memCost == Long.MAX_VALUE || f.gas < sat(extra, memCost)) {
            throw new Halt("out of gas");
        }
        childGas = Math.min(requested, allButOne64th(f.gas - memCost - extra));
        f.charge(sat(sat(childGas, extra), memCost));
        if (f.m.isStatic() && op == 0xf1 && !value.isZero()) {
            throw new Halt("CALL with value in a static call");
        }
        if (maxEnd > 0) {
            f.mem.ensure(0, maxEnd);
        }
        long stipend = hasValue && !value.isZero() ? CALL_STIPEND : 0;
        long gasForChild = childGas + stipend;
        Address self = f.m.target();
        f.returnData = ExecResult.EMPTY;
        if (hasValue && state.balance(self).compareTo(value) < 0) {
            f.gas += gasForChild;
            f.pushLong(0);
            return;
        }
        if (f.m.depth() + 1 > MAX_DEPTH) {
            f.gas += gasForChild;
            f.pushLong(0);
            return;
        }
        byte[] input = f.mem.slice(inOff, inLen);
        Message child = switch (op) {
            case 0xf1 -> new Message(self, to, to, value, input, state.code(to), gasForChild, f.m.depth() + 1,
                    f.m.isStatic(), true);
            case 0xf2 -> new Message(self, self, to, value, input, state.code(to), gasForChild, f.m.depth() + 1,
                    f.m.isStatic(), true);
            case 0xf4 -> new Message(f.m.caller(), self, to, f.m.value(), input, state.code(to), gasForChild,
                    f.m.depth() + 1, f.m.isStatic(), false);
            default -> new Message(self, to, to, Word.ZERO, input, state.code(to), gasForChild, f.m.depth() + 1,
                    true, true);
        };
        ExecResult r = call(child);
        f.gas += r.gasLeft();
        f.returnData = r.output();
        f.pushLong(r.success() ? 1 : 0);
        long n = Math.min(outLen, r.output().length);
        if (n > 0) {
            f.mem.copyFrom(r.output(), 0, outOff, n);
        }
    }

    private static long sat(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
