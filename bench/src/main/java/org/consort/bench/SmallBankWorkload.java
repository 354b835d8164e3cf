package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.vm.Interpreter;

/**
 * The SmallBank mix for {@code consort bench smallbank}, on the SmallBank contract
 * (tests/src/test/resources/ethereum/SmallBank.sol). Setup, not timed: the first client deploys
 * the contract and creates {@code accounts} customers, each with checking and savings balances
 * drawn as BenchBase does. Each client then sends transactions drawn by {@link SmallBankMix}:
 * Balance as {@code eth_call}, the five others as transactions signed with consecutive nonces.
 *
 * <p>Checked after the run: the sum of all balances (read with Balance) equals the initial sum
 * plus what the successful transactions added: DepositChecking +1.30, TransactSavings -20.20,
 * WriteCheck -5.00 and one cent more for each Overdraft event in its receipt; Amalgamate and
 * SendPayment only move money. A reverted transaction (SendPayment without the funds,
 * TransactSavings that would leave savings negative) changes nothing and is counted as reverted.
 */
final class SmallBankWorkload implements TxLoad.Workload {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEPLOY_GAS = 3_000_000;
    private static final int ACCOUNTS_PER_TRANSACTION = 100;
    private static final long CREATE_GAS = 8_000_000;
    private static final long TRANSACTION_GAS = 150_000;
    private static final int READ_BATCH = 100;
    static final String OVERDRAFT_TOPIC = "0x" + Hex.encode(Hashes.keccak256("Overdraft(uint256,int256)".getBytes(StandardCharsets.US_ASCII)));
    private static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);

    private final byte[] init;
    private final SmallBankMix mix;
    private final long seed;
    private Address bank;
    private long initialTotalCents;

    SmallBankWorkload(JsonNode artifacts, SmallBankMix mix, long seed) {
        this.init = Hex.decode(artifacts.at("/SmallBank/bytecode").asText());
        this.mix = mix;
        this.seed = seed;
    }

    @Override
    public List<String> types() {
        return Arrays.stream(SmallBankMix.Type.values()).map(t -> t.label).toList();
    }

    @Override
    public void setup(List<TxLoad.Client> clients, PrintStream log) throws Exception {
        TxLoad.Client owner = clients.getFirst();
        int accounts = mix.accounts();
        log.printf("consort bench: deploying SmallBank and creating %,d accounts (mix: %s)%n", accounts, mix);
        List<byte[]> raws = new ArrayList<>();
        bank = Interpreter.createAddress(owner.address, owner.nonce);
        raws.add(EthTransactions.sign(owner.key, owner.nonce++, DEPLOY_GAS, null, init));
        Random random = new Random(seed);
        long total = 0;
        for (int first = 0; first < accounts; first += ACCOUNTS_PER_TRANSACTION) {
            int n = Math.min(ACCOUNTS_PER_TRANSACTION, accounts - first);
            long[] checking = new long[n];
            long[] savings = new long[n];
            for (int i = 0; i < n; i++) {
                checking[i] = SmallBankMix.initialBalance(random);
                savings[i] = SmallBankMix.initialBalance(random);
                total += checking[i] + savings[i];
            }
            raws.add(EthTransactions.sign(owner.key, owner.nonce++, CREATE_GAS, bank, createAccountsCall(checking, savings)));
        }
        TxLoad.sendAll(owner, raws);
        long created = call(owner, "accounts()", new byte[0]).longValueExact();
        if (created != accounts) {
            throw new IllegalStateException("SmallBank holds " + created + " accounts after setup, not " + accounts);
        }
        initialTotalCents = total;
    }

    @Override
    public List<TxLoad.Request> sign(TxLoad.Client c, int count) {
        Random random = new Random(seed * 1_000_003L + c.index + 1);
        String to = "0x" + Hex.encode(bank.toBytes());
        List<TxLoad.Request> requests = new ArrayList<>(count);
        long nonce = c.nonce;
        for (int i = 0; i < count; i++) {
            SmallBankMix.Draw d = mix.next(random);
            byte[] data = callData(d);
            if (!d.type().writes()) {
                String body = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"eth_call\",\"params\":[{\"from\":\"" + c.addressHex()
                        + "\",\"to\":\"" + to + "\",\"data\":\"0x" + Hex.encode(data) + "\"},\"latest\"]}";
                requests.add(new TxLoad.Request(d.type().ordinal(), body, List.of()));
            } else {
                byte[] raw = EthTransactions.sign(c.key, nonce++, TRANSACTION_GAS, bank, data);
                requests.add(new TxLoad.Request(d.type().ordinal(), EthTransactions.sendRawCall(raw, 0),
                        List.of(EthTransactions.hash(raw))));
            }
        }
        return requests;
    }

    /** The call data of a drawn transaction. */
    static byte[] callData(SmallBankMix.Draw d) {
        return switch (d.type()) {
            case BALANCE -> abi("balance(uint256)", Word.of(d.customer()));
            case DEPOSIT_CHECKING -> abi("depositChecking(uint256,int256)", Word.of(d.customer()), signed(d.amountCents()));
            case TRANSACT_SAVINGS -> abi("transactSavings(uint256,int256)", Word.of(d.customer()), signed(d.amountCents()));
            case WRITE_CHECK -> abi("writeCheck(uint256,int256)", Word.of(d.customer()), signed(d.amountCents()));
            case AMALGAMATE -> abi("amalgamate(uint256,uint256)", Word.of(d.customer()), Word.of(d.second()));
            case SEND_PAYMENT -> abi("sendPayment(uint256,uint256,int256)", Word.of(d.customer()), Word.of(d.second()),
                    signed(d.amountCents()));
        };
    }

    /** {@code createAccounts(int256[] checking, int256[] savings)}. */
    static byte[] createAccountsCall(long[] checking, long[] savings) {
        int n = checking.length;
        List<Word> words = new ArrayList<>();
        words.add(Word.of(64));
        words.add(Word.of(64 + 32L * (n + 1)));
        words.add(Word.of(n));
        Arrays.stream(checking).forEach(x -> words.add(signed(x)));
        words.add(Word.of(n));
        Arrays.stream(savings).forEach(x -> words.add(signed(x)));
        return abi("createAccounts(int256[],int256[])", words.toArray(Word[]::new));
    }

    private static byte[] abi(String signature, Word... args) {
        byte[] out = EthTransactions.selector(signature);
        for (Word w : args) {
            out = EthTransactions.concat(out, w.toBytes());
        }
        return out;
    }

    private static Word signed(long v) {
        return Word.wrap(BigInteger.valueOf(v));
    }

    /** An int256 (two's complement) from a 32-byte hex result. */
    static BigInteger int256(String hex) {
        BigInteger v = new BigInteger(hex.substring(2), 16);
        return v.testBit(255) ? v.subtract(TWO_256) : v;
    }

    private BigInteger call(TxLoad.Client c, String signature, byte[] args) throws Exception {
        String params = "[{\"from\":\"" + c.addressHex() + "\",\"to\":\"0x" + Hex.encode(bank.toBytes()) + "\",\"data\":\"0x"
                + Hex.encode(EthTransactions.concat(EthTransactions.selector(signature), args)) + "\"},\"latest\"]";
        return int256(c.call("eth_call", params).asText());
    }

    @Override
    public int tally(JsonNode receipt) {
        int overdrafts = 0;
        for (JsonNode log : receipt.path("logs")) {
            if (log.path("topics").path(0).asText().equalsIgnoreCase(OVERDRAFT_TOPIC)) {
                overdrafts++;
            }
        }
        return overdrafts;
    }

    @Override
    public Map<String, Object> check(List<TxLoad.Client> clients, TxLoad.Results results) throws Exception {
        SmallBankMix.Type[] types = SmallBankMix.Type.values();
        long[] delta = new long[1];
        long[] overdrafts = new long[1];
        long[] noReceipt = new long[1];
        Map<String, Long> reverted = new LinkedHashMap<>();
        results.forEachTransaction((client, request, status, tally) -> {
            SmallBankMix.Type type = types[request.type()];
            if (status < 0) {
                noReceipt[0]++;
                return;
            }
            if (status == 0) {
                reverted.merge(type.label, 1L, Long::sum);
                return;
            }
            overdrafts[0] += tally;
            delta[0] += switch (type) {
                case DEPOSIT_CHECKING -> SmallBankMix.DEPOSIT_CHECKING_CENTS;
                case TRANSACT_SAVINGS -> SmallBankMix.TRANSACT_SAVINGS_CENTS;
                case WRITE_CHECK -> -SmallBankMix.WRITE_CHECK_CENTS - tally;
                default -> 0;
            };
        });
        TxLoad.Client reader = clients.getFirst();
        BigInteger actual = sumOfBalances(reader);
        long accounts = call(reader, "accounts()", new byte[0]).longValueExact();
        BigInteger expected = BigInteger.valueOf(initialTotalCents).add(BigInteger.valueOf(delta[0]));
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("ok", actual.equals(expected) && accounts == mix.accounts());
        check.put("what", "the sum of all balances is the initial sum plus the deposits, less the withdrawals, "
                + "checks and overdraft penalties of the transactions that succeeded");
        check.put("accounts", accounts);
        check.put("initialTotalCents", initialTotalCents);
        check.put("expectedTotalCents", expected);
        check.put("actualTotalCents", actual);
        check.put("overdrafts", overdrafts[0]);
        check.put("reverted", reverted);
        check.put("transactionsWithoutReceipt", noReceipt[0]);
        return check;
    }

    /** Balance of every customer, read in batches of eth_call, summed. */
    private BigInteger sumOfBalances(TxLoad.Client c) throws Exception {
        BigInteger sum = BigInteger.ZERO;
        String to = "0x" + Hex.encode(bank.toBytes());
        for (int first = 0; first < mix.accounts(); first += READ_BATCH) {
            StringBuilder b = new StringBuilder("[");
            int end = Math.min(mix.accounts(), first + READ_BATCH);
            for (int a = first; a < end; a++) {
                b.append(a > first ? "," : "").append("{\"jsonrpc\":\"2.0\",\"id\":").append(a)
                        .append(",\"method\":\"eth_call\",\"params\":[{\"from\":\"").append(c.addressHex()).append("\",\"to\":\"")
                        .append(to).append("\",\"data\":\"0x")
                        .append(Hex.encode(abi("balance(uint256)", Word.of(a)))).append("\"},\"latest\"]}");
            }
            JsonNode answer = JSON.readTree(c.http.post("/app/ethereum", b.append(']').toString()).getContentAsString());
            if (!answer.isArray() || answer.size() != end - first) {
                throw new IllegalStateException("Balance of accounts " + first + ".." + (end - 1) + ": " + answer);
            }
            for (JsonNode a : answer) {
                if (!a.hasNonNull("result")) {
                    throw new IllegalStateException("Balance failed: " + a);
                }
                sum = sum.add(int256(a.get("result").asText()));
            }
        }
        return sum;
    }
}
