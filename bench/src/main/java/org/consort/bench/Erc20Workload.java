package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consort.common.Hex;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.vm.Interpreter;

/**
 * ERC-20 transfers for {@code consort bench erc20}: every client deploys its own OpenZeppelin
 * ERC-20 (ConsortToken, holding the whole supply) in setup, then sends {@code transfer(to, 1)} to
 * a fresh address per transfer, {@code batch} transfers per JSON-RPC request. Checked after the
 * run: every receipt has status 1, and each client's token balance is the supply less the
 * transfers that succeeded.
 */
final class Erc20Workload implements TxLoad.Workload {
    static final BigInteger SUPPLY = BigInteger.TEN.pow(30);
    private static final long DEPLOY_GAS = 3_000_000;
    private static final long TRANSFER_GAS = 80_000;

    private final byte[] tokenInit;
    private final int batch;
    private final Map<Integer, Address> tokens = new HashMap<>();

    /** @param artifacts compile.mjs's output, with ConsortToken */
    Erc20Workload(JsonNode artifacts, int batch) {
        this.tokenInit = EthTransactions.concat(Hex.decode(artifacts.at("/ConsortToken/bytecode").asText()),
                Word.fromBigInteger(SUPPLY).toBytes());
        this.batch = batch;
    }

    @Override
    public List<String> types() {
        return List.of("transfer");
    }

    @Override
    public void setup(List<TxLoad.Client> clients, PrintStream log) throws Exception {
        log.printf("consort bench: deploying an ERC-20 token for each of %d clients%n", clients.size());
        TxLoad.parallel(clients.size(), c -> {
            TxLoad.Client client = clients.get(c);
            byte[] deploy = EthTransactions.sign(client.key, client.nonce, DEPLOY_GAS, null, tokenInit);
            JsonNode receipt = TxLoad.sendAll(client, List.of(deploy)).getFirst();
            Address token = Interpreter.createAddress(client.address, client.nonce);
            if (!receipt.path("contractAddress").asText().equalsIgnoreCase("0x" + Hex.encode(token.toBytes()))) {
                throw new IllegalStateException("client " + c + "'s token is not where expected: " + receipt);
            }
            client.nonce++;
            synchronized (tokens) {
                tokens.put(c, token);
            }
        });
    }

    @Override
    public List<TxLoad.Request> sign(TxLoad.Client c, int count) {
        Address token = tokens.get(c.index);
        List<TxLoad.Request> requests = new ArrayList<>(count);
        long nonce = c.nonce;
        for (int i = 0; i < count; i++) {
            StringBuilder body = new StringBuilder();
            List<String> hashes = new ArrayList<>(batch);
            for (int k = 0; k < batch; k++) {
                byte[] raw = EthTransactions.sign(c.key, nonce, TRANSFER_GAS, token,
                        EthTransactions.transferCall(recipient(c.index, nonce), Word.ONE));
                nonce++;
                body.append(k == 0 ? "" : ",").append(EthTransactions.sendRawCall(raw, k));
                hashes.add(EthTransactions.hash(raw));
            }
            requests.add(new TxLoad.Request(0, batch == 1 ? body.toString() : "[" + body + "]", hashes));
        }
        return requests;
    }

    /** A fresh address for each transfer: a marker byte, the client and the nonce. */
    static Address recipient(int client, long nonce) {
        byte[] a = new byte[Address.LENGTH];
        a[0] = (byte) 0xbe;
        for (int i = 0; i < 4; i++) {
            a[8 + i] = (byte) (client >>> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++) {
            a[12 + i] = (byte) (nonce >>> (56 - 8 * i));
        }
        return Address.wrap(a);
    }

    @Override
    public Map<String, Object> check(List<TxLoad.Client> clients, TxLoad.Results results) throws Exception {
        long[] succeeded = new long[clients.size()];
        long[] notStatus1 = new long[1];
        long[] noReceipt = new long[1];
        results.forEachTransaction((client, request, status, tally) -> {
            if (status == 1) {
                succeeded[client.index]++;
            } else if (status == 0) {
                notStatus1[0]++;
            } else {
                noReceipt[0]++;
            }
        });
        int wrongBalances = 0;
        for (TxLoad.Client c : clients) {
            String params = "[{\"from\":\"" + c.addressHex() + "\",\"to\":\"0x" + Hex.encode(tokens.get(c.index).toBytes())
                    + "\",\"data\":\"0x" + Hex.encode(EthTransactions.balanceOfCall(c.address)) + "\"},\"latest\"]";
            BigInteger balance = new BigInteger(c.call("eth_call", params).asText().substring(2), 16);
            if (!balance.equals(SUPPLY.subtract(BigInteger.valueOf(succeeded[c.index])))) {
                wrongBalances++;
            }
        }
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("ok", wrongBalances == 0 && notStatus1[0] == 0);
        check.put("what", "every transfer's receipt has status 1; each sender holds the supply less its successful transfers");
        check.put("transfersWithStatus1", java.util.Arrays.stream(succeeded).sum());
        check.put("transfersNotStatus1", notStatus1[0]);
        check.put("transfersWithoutReceipt", noReceipt[0]);
        check.put("sendersWithWrongBalance", wrongBalances);
        return check;
    }
}
