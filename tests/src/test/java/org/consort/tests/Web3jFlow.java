package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.consort.crypto.Pem;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/** The DApp flow of EthereumToolsIT in Java with web3j, over HTTPS with the user's client certificate. */
final class Web3jFlow {
    private static final Event NOTED = new Event("Noted", List.of(new TypeReference<Address>(true) { },
            new TypeReference<Uint256>(true) { }, new TypeReference<Utf8String>() { }));

    private Web3jFlow() {
    }

    // example: web3j-connect
    /** web3j over OkHttp with a client certificate, trusting only the service certificate. */
    static Web3j connect(String url, Path serviceCert, Path cert, Path key) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("service", Pem.readCertificate(Files.readString(serviceCert)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        PrivateKey privateKey = Pem.readPrivateKey(Files.readString(key));
        keys.setKeyEntry("user", privateKey, new char[0], new X509Certificate[] {Pem.readCertificate(Files.readString(cert))});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        OkHttpClient http = new OkHttpClient.Builder()
                .sslSocketFactory(tls.getSocketFactory(), (X509TrustManager) tmf.getTrustManagers()[0])
                .build();
        return Web3j.build(new HttpService(url + "/app/ethereum", http));
    }
    // end example

    static Web3j connect(JsonNode network, int user) throws Exception {
        JsonNode u = network.get("users").get(user);
        return connect(network.at("/nodes/0/url").asText(), Path.of(network.get("serviceCert").asText()),
                Path.of(u.get("cert").asText()), Path.of(u.get("key").asText()));
    }

    static TransactionReceipt send(Web3j web3, RawTransactionManager tm, String to, String data) throws Exception {
        EthSendTransaction sent = tm.sendTransaction(BigInteger.ZERO, BigInteger.valueOf(3_000_000), to, data, BigInteger.ZERO);
        assertThat(sent.hasError()).as(() -> sent.getError().getMessage()).isFalse();
        return new PollingTransactionReceiptProcessor(web3, 50, 200).waitForTransactionReceipt(sent.getTransactionHash());
    }

    /** Deploys the registry, writes, reads, filters, calls with and without rights. */
    static void run(JsonNode network, JsonNode artifacts) throws Exception {
        Web3j alice = connect(network, 0);
        Web3j bob = connect(network, 1);
        try {
            long chainId = alice.ethChainId().send().getChainId().longValueExact();
            Credentials aliceKey = Credentials.create(network.at("/users/0/ethereumPrivateKey").asText());
            assertThat(aliceKey.getAddress()).isEqualToIgnoringCase(network.at("/users/0/ethereumAddress").asText());
            RawTransactionManager tm = new RawTransactionManager(alice, aliceKey, chainId);

            TransactionReceipt deployed = send(alice, tm, null, artifacts.at("/Registry/bytecode").asText());
            assertThat(deployed.isStatusOK()).isTrue();
            String registry = deployed.getContractAddress();

            String note = FunctionEncoder.encode(new Function("note", List.of(new Uint256(11), new Utf8String("web3j")),
                    List.of()));
            BigInteger gas = alice.ethEstimateGas(Transaction.createEthCallTransaction(aliceKey.getAddress(), registry, note))
                    .send().getAmountUsed();
            assertThat(gas).isBetween(BigInteger.valueOf(21_000), BigInteger.valueOf(100_000));
            TransactionReceipt noted = send(alice, tm, registry, note);
            assertThat(noted.isStatusOK()).isTrue();
            assertThat(noted.getLogs()).hasSize(1);

            EthFilter byValue = new EthFilter(DefaultBlockParameterName.EARLIEST, DefaultBlockParameterName.LATEST, registry)
                    .addSingleTopic(EventEncoder.encode(NOTED)).addNullTopic()
                    .addSingleTopic("0x" + "0".repeat(62) + "0b");
            List<EthLog.LogResult> logs = alice.ethGetLogs(byValue).send().getLogs();
            assertThat(logs).hasSize(1);

            // A filter sees the next note.
            BigInteger filter = alice.ethNewFilter(new EthFilter(DefaultBlockParameterName.LATEST,
                    DefaultBlockParameterName.LATEST, registry)).send().getFilterId();
            send(alice, tm, registry, note);
            List<EthLog.LogResult> changes = alice.ethGetFilterChanges(filter).send().getLogs();
            assertThat(changes).hasSize(1);
            assertThat(alice.ethUninstallFilter(filter).send().isUninstalled()).isTrue();

            String secret = FunctionEncoder.encode(new Function("secret", List.of(), List.of(new TypeReference<Uint256>() { })));
            String bobAddress = network.at("/users/1/ethereumAddress").asText();
            EthCall ok = alice.ethCall(Transaction.createEthCallTransaction(aliceKey.getAddress(), registry, secret),
                    DefaultBlockParameterName.LATEST).send();
            @SuppressWarnings({"unchecked", "rawtypes"})
            List<Type> value = FunctionReturnDecoder.decode(ok.getValue(), (List) List.of(new TypeReference<Uint256>() { }));
            assertThat(value.get(0).getValue()).isEqualTo(BigInteger.valueOf(42));

            EthCall denied = bob.ethCall(Transaction.createEthCallTransaction(bobAddress, registry, secret),
                    DefaultBlockParameterName.LATEST).send();
            assertThat(denied.hasError()).isTrue();
            assertThat(denied.getError().getCode()).isEqualTo(3);
            assertThat(denied.getRevertReason()).isNotNull();
            EthCall impersonating = bob.ethCall(Transaction.createEthCallTransaction(aliceKey.getAddress(), registry, secret),
                    DefaultBlockParameterName.LATEST).send();
            assertThat(impersonating.getError().getMessage()).startsWith("unauthorized");

            // An OpenZeppelin ERC-20 whose canRead admits its owner and holders.
            String tokenInit = artifacts.at("/ConsortToken/bytecode").asText()
                    + FunctionEncoder.encodeConstructor(List.of(new Uint256(BigInteger.TEN.pow(24))));
            TransactionReceipt tokenDeployed = send(alice, tm, null, tokenInit);
            assertThat(tokenDeployed.isStatusOK()).isTrue();
            String token = tokenDeployed.getContractAddress();
            String toStranger = FunctionEncoder.encode(new Function("transfer", List.of(
                    new Address("0x00000000000000000000000000000000000000b0"), new Uint256(7)), List.of()));
            TransactionReceipt strangerTransfer = send(alice, tm, token, toStranger);
            assertThat(strangerTransfer.isStatusOK()).isTrue();
            assertThat(strangerTransfer.getLogs()).hasSize(1);
            assertThat(bob.ethGetTransactionReceipt(strangerTransfer.getTransactionHash()).send().getTransactionReceipt())
                    .isEmpty();
            TransactionReceipt toBob = send(alice, tm, token, FunctionEncoder.encode(new Function("transfer", List.of(
                    new Address(bobAddress), new Uint256(5)), List.of())));
            assertThat(toBob.isStatusOK()).isTrue();
            // Now a holder: the token lets Bob read, its old transfers included.
            assertThat(bob.ethGetTransactionReceipt(strangerTransfer.getTransactionHash()).send().getTransactionReceipt())
                    .isPresent();
            String balanceOf = FunctionEncoder.encode(new Function("balanceOf", List.of(new Address(bobAddress)),
                    List.of(new TypeReference<Uint256>() { })));
            EthCall bobBalance = bob.ethCall(Transaction.createEthCallTransaction(bobAddress, token, balanceOf),
                    DefaultBlockParameterName.LATEST).send();
            assertThat(new BigInteger(bobBalance.getValue().substring(2), 16)).isEqualTo(BigInteger.valueOf(5));

            // Bob sees neither Alice's receipt nor her events.
            assertThat(bob.ethGetTransactionReceipt(noted.getTransactionHash()).send().getTransactionReceipt()).isEmpty();
            assertThat(bob.ethGetLogs(byValue).send().getLogs()).isEmpty();
            assertThat(alice.ethGetTransactionReceipt(noted.getTransactionHash()).send().getTransactionReceipt()).isPresent();
            assertThat(alice.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, true).send().getBlock().getNumber())
                    .isPositive();
        } finally {
            alice.shutdown();
            bob.shutdown();
        }
    }

}
