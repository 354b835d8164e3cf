package org.consort.evm.statetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Fork;
import org.consort.evm.state.Account;
import org.consort.evm.state.InMemoryWorldState;
import org.consort.evm.tx.AccessListEntry;
import org.consort.evm.tx.InvalidTransactionException;
import org.consort.evm.tx.Transaction;
import org.consort.evm.tx.TransactionProcessor;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.BlockEnv;
import org.consort.evm.vm.EvmThreads;

/**
 * Runs Ethereum GeneralStateTests fixtures: for each test, each fork in {@code post} and each
 * case, it builds the pre-state, applies the transaction and compares the state root and the
 * logs hash. A malformed file or case is reported as a failure of that file or case and the
 * run continues.
 *
 * <p>Files run on a pool of {@link EvmThreads} (deep stacks for nested calls); results are
 * reported in file order. An instance is not thread-safe; use one per run.
 */
public final class StateTestRunner {
    /** Filters for a run. */
    public record Options(Optional<String> fork, Optional<Pattern> run, int threads) {
        /** No filters, one worker thread per available processor. */
        public static Options all() {
            return new Options(Optional.empty(), Optional.empty(), Runtime.getRuntime().availableProcessors());
        }
    }

    /** Totals of a run; per-fork and per-folder counts are kept for reports. */
    public static final class Summary {
        public int passed;
        public int failed;
        public int skipped;
        public final Map<String, int[]> byFork = new TreeMap<>();
        public final Map<String, int[]> byFolder = new TreeMap<>();

        void add(CaseResult r, String folder) {
            if (r.pass()) {
                passed++;
            } else {
                failed++;
            }
            int slot = r.pass() ? 0 : 1;
            byFork.computeIfAbsent(r.fork(), k -> new int[2])[slot]++;
            byFolder.computeIfAbsent(folder, k -> new int[2])[slot]++;
        }

        public String line() {
            return passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : "");
        }
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Options options;

    public StateTestRunner(Options options) {
        this.options = options;
    }

    /** All *.json files under the paths (files are taken as given), sorted. */
    public static List<Path> collect(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".json")).sorted().forEach(files::add);
                }
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new IOException("no such file or folder: " + p);
            }
        }
        return files;
    }

    /** Runs every case of every file, reporting each result to {@code sink} in file order; returns the totals. */
    public Summary run(List<Path> files, Consumer<CaseResult> sink) {
        Summary summary = new Summary();
        int threads = Math.max(1, options.threads());
        ExecutorService pool = Executors.newFixedThreadPool(threads, EvmThreads.factory("statetest"));
        try {
            List<Future<FileResult>> futures = new ArrayList<>(files.size());
            for (Path file : files) {
                futures.add(pool.submit(() -> runFile(file)));
            }
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i);
                String folder = file.getParent() == null ? "" : file.getParent().getFileName().toString();
                FileResult fr;
                try {
                    fr = futures.get(i).get();
                } catch (ExecutionException e) {
                    fr = new FileResult(List.of(new CaseResult(file.toString(), file.getFileName().toString(), "-", "-",
                            false, null, "internal error: " + e.getCause())), 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                summary.skipped += fr.skipped();
                for (CaseResult r : fr.results()) {
                    summary.add(r, folder);
                    sink.accept(r);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return summary;
    }

    private record FileResult(List<CaseResult> results, int skipped) {
    }

    private FileResult runFile(Path file) {
        List<CaseResult> results = new ArrayList<>();
        int[] skipped = {0};
        JsonNode root;
        try {
            root = mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
        } catch (IOException e) {
            results.add(new CaseResult(file.toString(), file.getFileName().toString(), "-", "-", false, null,
                    "malformed fixture: " + String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ")));
            return new FileResult(results, 0);
        }
        Iterator<Map.Entry<String, JsonNode>> tests = root.properties().iterator();
        while (tests.hasNext()) {
            Map.Entry<String, JsonNode> t = tests.next();
            if (options.run().isPresent() && !options.run().get().matcher(t.getKey()).find()) {
                continue;
            }
            runTest(file.toString(), t.getKey(), t.getValue(), skipped, results::add);
        }
        return new FileResult(results, skipped[0]);
    }

    private void runTest(String file, String name, JsonNode test, int[] skipped, Consumer<CaseResult> sink) {
        JsonNode post = test.get("post");
        if (post == null || !post.isObject()) {
            sink.accept(new CaseResult(file, name, "-", "-", false, null, "malformed fixture: no post section"));
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> forks = post.properties().iterator();
        while (forks.hasNext()) {
            Map.Entry<String, JsonNode> f = forks.next();
            if (options.fork().isPresent() && !options.fork().get().equalsIgnoreCase(f.getKey())) {
                continue;
            }
            Optional<Fork> fork = Fork.byName(f.getKey());
            if (fork.isEmpty()) {
                skipped[0] += f.getValue().size();
                continue;
            }
            int i = 0;
            for (JsonNode c : f.getValue()) {
                sink.accept(runCaseGuarded(file, name, f.getKey(), fork.get(), test, c, i++));
            }
        }
    }

    private CaseResult runCaseGuarded(String file, String name, String forkName, Fork fork, JsonNode test,
            JsonNode c, int n) {
        String index = indexName(c, n);
        try {
            return runCase(file, name, forkName, fork, test, c, index);
        } catch (IllegalArgumentException | NullPointerException | ArithmeticException | ClassCastException e) {
            return new CaseResult(file, name, forkName, index, false, null, "malformed fixture: " + e);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return new CaseResult(file, name, forkName, index, false, null, "internal error: " + e);
        }
    }

    private static String indexName(JsonNode c, int n) {
        JsonNode idx = c.get("indexes");
        if (idx == null) {
            return "case" + n;
        }
        return "d" + idx.path("data").asInt() + "g" + idx.path("gas").asInt() + "v" + idx.path("value").asInt();
    }

    private CaseResult runCase(String file, String name, String forkName, Fork fork, JsonNode test, JsonNode c,
            String index) {
        InMemoryWorldState world = preState(require(test, "pre"));
        BlockEnv env = env(require(test, "env"));
        JsonNode idx = require(c, "indexes");
        String expectedRoot = require(c, "hash").asText();
        String expectedLogs = require(c, "logs").asText();
        JsonNode expectException = c.get("expectException");
        Transaction tx;
        try {
            tx = transaction(require(test, "transaction"), idx.path("data").asInt(), idx.path("gas").asInt(),
                    idx.path("value").asInt());
        } catch (UnencodableField e) {
            String root = "0x" + Hex.encode(world.stateRoot());
            boolean ok = expectException != null && root.equalsIgnoreCase(expectedRoot);
            return new CaseResult(file, name, forkName, index, ok, root, expectException == null
                    ? "transaction rejected: " + e.getMessage() : ok ? "rejected as expected: " + e.getMessage()
                    : "state root " + root + " != expected " + expectedRoot);
        }
        String txError = null;
        byte[] logsHash;
        try {
            TransactionResult r = new TransactionProcessor(fork).process(world, world, env, tx);
            logsHash = r.logsHash();
            txError = r.error();
            if (expectException != null) {
                String root = "0x" + Hex.encode(world.stateRoot());
                return new CaseResult(file, name, forkName, index, false, root,
                        "expected exception " + expectException.asText() + " but the transaction was valid");
            }
        } catch (InvalidTransactionException e) {
            String root = "0x" + Hex.encode(world.stateRoot());
            if (expectException == null) {
                return new CaseResult(file, name, forkName, index, false, root,
                        "transaction rejected: " + e.getMessage());
            }
            boolean ok = root.equalsIgnoreCase(expectedRoot);
            return new CaseResult(file, name, forkName, index, ok, root,
                    ok ? "rejected as expected: " + e.getMessage() : "state root " + root + " != expected " + expectedRoot);
        }
        String root = "0x" + Hex.encode(world.stateRoot());
        String logs = "0x" + Hex.encode(logsHash);
        if (!root.equalsIgnoreCase(expectedRoot)) {
            return new CaseResult(file, name, forkName, index, false, root,
                    "state root " + root + " != expected " + expectedRoot + (txError == null ? "" : " (tx: " + txError + ")"));
        }
        if (!logs.equalsIgnoreCase(expectedLogs)) {
            return new CaseResult(file, name, forkName, index, false, root,
                    "logs hash " + logs + " != expected " + expectedLogs);
        }
        return new CaseResult(file, name, forkName, index, true, root, txError);
    }

    private static JsonNode require(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return v;
    }

    static InMemoryWorldState preState(JsonNode pre) {
        InMemoryWorldState w = new InMemoryWorldState();
        Iterator<Map.Entry<String, JsonNode>> it = pre.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Address a = Address.fromHex(e.getKey());
            JsonNode acc = e.getValue();
            Word nonce = Word.parse(require(acc, "nonce").asText());
            if (!nonce.fitsLong() && !(nonce.l1() == 0 && nonce.l2() == 0 && nonce.l3() == 0)) {
                throw new IllegalArgumentException("pre-state nonce above 2^64-1 for " + a);
            }
            w.putAccount(a, Account.of(nonce.l0(), Word.parse(require(acc, "balance").asText()),
                    bytes(require(acc, "code").asText())));
            JsonNode storage = acc.get("storage");
            if (storage != null) {
                Iterator<Map.Entry<String, JsonNode>> s = storage.properties().iterator();
                while (s.hasNext()) {
                    Map.Entry<String, JsonNode> slot = s.next();
                    w.putStorage(a, Word.parse(slot.getKey()), Word.parse(slot.getValue().asText()));
                }
            }
        }
        return w;
    }

    static BlockEnv env(JsonNode env) {
        long number = longOf(require(env, "currentNumber"));
        Word difficulty = env.has("currentDifficulty") ? Word.parse(env.get("currentDifficulty").asText()) : Word.ZERO;
        Word random = env.has("currentRandom") ? Word.parse(env.get("currentRandom").asText()) : difficulty;
        return new BlockEnv(Address.fromHex(require(env, "currentCoinbase").asText()),
                longOf(require(env, "currentGasLimit")), number, longOf(require(env, "currentTimestamp")),
                difficulty, random,
                env.has("currentBaseFee") ? Word.parse(env.get("currentBaseFee").asText()) : Word.ZERO,
                env.has("currentExcessBlobGas") ? longOf(env.get("currentExcessBlobGas")) : 0,
                Word.ONE, StateTestRunner::testBlockHash);
    }

    /** The state tests' convention for ancestor hashes: keccak256 of the decimal block number. */
    static Word testBlockHash(long n) {
        return Word.fromBytes(Hashes.keccak256(Long.toString(n).getBytes(StandardCharsets.US_ASCII)));
    }

    private static long longOf(JsonNode n) {
        Word w = Word.parse(n.asText());
        if (!w.fitsLong()) {
            throw new IllegalArgumentException("value does not fit in 63 bits: " + n.asText());
        }
        return w.l0();
    }

    static byte[] bytes(String hex) {
        String h = hex.trim();
        if (h.startsWith(":raw ")) {
            h = h.substring(5).trim();
        }
        return h.isEmpty() || h.equals("0x") ? new byte[0] : Hex.decode(h);
    }

    static Transaction transaction(JsonNode t, int d, int g, int v) {
        byte[] data = bytes(element(t, "data", d).asText());
        Word gasLimit = txWord(element(t, "gasLimit", g).asText());
        Word value = txWord(element(t, "value", v).asText());
        String toText = t.path("to").asText("");
        Optional<Address> to = toText.isEmpty() || toText.equals("0x") ? Optional.empty() : Optional.of(Address.fromHex(toText));
        List<AccessListEntry> accessList = new ArrayList<>();
        boolean hasAccessList = false;
        JsonNode lists = t.get("accessLists");
        if (lists != null && lists.isArray() && d < lists.size() && !lists.get(d).isNull()) {
            hasAccessList = true;
            for (JsonNode e : lists.get(d)) {
                List<Word> keys = new ArrayList<>();
                for (JsonNode k : e.path("storageKeys")) {
                    keys.add(Word.parse(k.asText()));
                }
                accessList.add(new AccessListEntry(Address.fromHex(require(e, "address").asText()), keys));
            }
        }
        List<Word> blobs = new ArrayList<>();
        JsonNode blobNode = t.get("blobVersionedHashes");
        if (blobNode != null && blobNode.isArray()) {
            for (JsonNode b : blobNode) {
                blobs.add(Word.parse(b.asText()));
            }
        }
        int type;
        if (blobNode != null || t.has("maxFeePerBlobGas")) {
            type = 3;
        } else if (t.has("maxFeePerGas")) {
            type = 2;
        } else if (hasAccessList) {
            type = 1;
        } else {
            type = 0;
        }
        Word zero = Word.ZERO;
        return new Transaction(type, Address.fromHex(require(t, "sender").asText()), txWord(require(t, "nonce").asText()),
                t.has("gasPrice") ? txWord(t.get("gasPrice").asText()) : zero,
                t.has("maxPriorityFeePerGas") ? txWord(t.get("maxPriorityFeePerGas").asText()) : zero,
                t.has("maxFeePerGas") ? txWord(t.get("maxFeePerGas").asText()) : zero,
                gasLimit, to, value, data, accessList,
                t.has("maxFeePerBlobGas") ? txWord(t.get("maxFeePerBlobGas").asText()) : zero, blobs);
    }

    /** A transaction field that cannot be encoded (over 256 bits): the transaction is invalid. */
    static final class UnencodableField extends RuntimeException {
        UnencodableField(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses a numeric transaction field; accepts the fillers' {@code 0x:bigint 0x...} form. */
    static Word txWord(String text) {
        String s = text.trim();
        if (s.startsWith("0x:bigint ")) {
            s = s.substring("0x:bigint ".length()).trim();
        }
        java.math.BigInteger v = s.startsWith("0x") || s.startsWith("0X")
                ? (s.length() == 2 ? java.math.BigInteger.ZERO : new java.math.BigInteger(s.substring(2), 16))
                : new java.math.BigInteger(s);
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new UnencodableField("transaction field does not fit in 256 bits: " + text);
        }
        return Word.fromBigInteger(v);
    }

    private static JsonNode element(JsonNode t, String field, int i) {
        JsonNode arr = require(t, field);
        if (!arr.isArray() || i < 0 || i >= arr.size()) {
            throw new IllegalArgumentException("index " + i + " out of range for transaction." + field);
        }
        return arr.get(i);
    }

    /** Command-line entry: {@code [--fork NAME] [--run REGEX] [--json] PATH...}; exit 0 only if nothing failed. */
    public static void main(String[] args) throws IOException {
        System.exit(cli(args, System.out));
    }

    /** The statetest command; returns the exit code. */
    public static int cli(String[] args, PrintStream out) throws IOException {
        Optional<String> fork = Optional.empty();
        Optional<Pattern> run = Optional.empty();
        boolean json = false;
        int threads = Runtime.getRuntime().availableProcessors();
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fork" -> fork = Optional.of(args[++i]);
                case "--run" -> run = Optional.of(Pattern.compile(args[++i]));
                case "--json" -> json = true;
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> paths.add(Path.of(args[i]));
            }
        }
        return execute(paths, new Options(fork, run, threads), json, out);
    }

    /** Runs and prints: failing cases (or every case as JSON), then the summary line. */
    public static int execute(List<Path> paths, Options options, boolean json, PrintStream out) throws IOException {
        int code = execute(paths, options, json, (Consumer<String>) out::println);
        out.flush();
        return code;
    }

    /**
     * Runs and writes lines: one per failing case (or one JSON object per case with {@code json}),
     * then {@code N passed, M failed[, K skipped]}. Returns 0 when nothing failed, else 1.
     */
    public static int execute(List<Path> paths, Options options, boolean json, Consumer<String> out) throws IOException {
        List<Path> files = collect(paths);
        Summary s = new StateTestRunner(options).run(files, r -> {
            if (json) {
                out.accept(r.toJson());
            } else if (!r.pass()) {
                out.accept("FAIL " + r.name() + " " + r.fork() + " " + r.index() + " (" + r.file() + "): " + r.error());
            }
        });
        out.accept(s.line());
        return s.failed == 0 ? 0 : 1;
    }
}
