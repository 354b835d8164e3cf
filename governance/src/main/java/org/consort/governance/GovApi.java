package org.consort.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;

/**
 * The {@code gov} object a constitution sees: the only way its scripts reach the store. Read
 * operations work in every phase; write operations only in {@code apply}, and they go to a
 * {@link GovStore} whose staged writes the service flushes only if the whole proposal applies.
 *
 * <p>Reads: {@code getMember(id)}, {@code listMembers()}, {@code activeMemberIds()},
 * {@code getUser(id)}, {@code getNode(id)}, {@code getServiceInfo()},
 * {@code getRecoveryThreshold()}, {@code getUserEthereumAddresses(id)}, {@code getEthereumNetwork()}, {@code certificateId(pem)} (throws if the PEM is not a
 * certificate), {@code isValidEncryptionKey(pem)}, {@code checkCaCertBundle(name, pem)} and
 * {@code checkJwtIssuer(issuer, settings)} (throw saying what is wrong), {@code isUserId(id)},
 * {@code getPlatforms()}.
 *
 * <p>Writes: {@code setMember(certPem, encryptionKeyPem|null, memberData|null)} → id,
 * {@code removeMember(id)}, {@code setMemberData(id, data)}, {@code setUser(certPem, userData|null)} → id,
 * {@code removeUser(id)}, {@code setUserData(id, data)}, {@code setConstitution(text)},
 * {@code transitionServiceToOpen()}, {@code setRecoveryThreshold(n)},
 * {@code transitionNodeToTrusted(id)}, {@code removeNode(id)},
 * {@code addNodeMeasurement(platform, hex)}, {@code removeNodeMeasurement(platform, hex)},
 * {@code setCaCertBundle(name, pem)}, {@code removeCaCertBundle(name)},
 * {@code setJwtIssuer(issuer, object)}, {@code removeJwtIssuer(issuer)},
 * {@code addPlatform(name)}, {@code removePlatform(name)},
 * {@code requestLedgerRekey()}, {@code requestSnapshot()},
 * {@code setUserEthereumAddresses(userId, [addresses])}, {@code setEthereumNetwork({changes})}.
 *
 * <p>Not thread-safe: one instance per script run.
 */
final class GovApi implements ConstitutionRuntime.Host {
    private final GovStore store;
    private final boolean writable;
    private final String proposalId;
    private final Map<String, Function<JsonNode, JsonNode>> reads = new TreeMap<>();
    private final Map<String, Function<JsonNode, JsonNode>> writes = new TreeMap<>();

    GovApi(GovStore store, boolean writable, String proposalId) {
        this.store = store;
        this.writable = writable;
        this.proposalId = proposalId;
        reads.put("getMember", a -> member(text(a, 0, "member id")));
        reads.put("listMembers", a -> {
            ArrayNode out = Json.MAPPER.createArrayNode();
            store.forEach(GovMaps.MEMBER_INFO, (id, j) -> out.add(member(id)));
            return out;
        });
        reads.put("activeMemberIds", a -> {
            ArrayNode out = Json.MAPPER.createArrayNode();
            GovReads.activeMembers(store).forEach(out::add);
            return out;
        });
        reads.put("getUser", a -> {
            String id = text(a, 0, "user id");
            return store.get(GovMaps.USER_CERTS, id).<JsonNode>map(cert -> {
                ObjectNode o = Json.newObject().put("userId", id).put("cert", cert);
                o.set("userData", store.get(GovMaps.USER_INFO, id)
                        .map(j -> Json.object(j, "user info").path("userData")).orElse(null));
                return o;
            }).orElse(null);
        });
        reads.put("getUserEthereumAddresses", a -> store.get(GovMaps.ETHEREUM_USER_ADDRESSES, text(a, 0, "user id"))
                .<JsonNode>map(j -> Json.parse(j, "user addresses")).orElse(Json.MAPPER.createArrayNode()));
        reads.put("getEthereumNetwork", a -> store.get(GovMaps.ETHEREUM_NETWORK, GovMaps.ETHEREUM_NETWORK_KEY)
                .<JsonNode>map(j -> Json.parse(j, "ethereum network settings")).orElse(null));
        reads.put("getNode", a -> store.get(GovMaps.NODES, text(a, 0, "node id"))
                .<JsonNode>map(j -> Json.parse(j, "node info")).orElse(null));
        reads.put("getServiceInfo", a -> store.get(GovMaps.SERVICE_INFO, GovMaps.SERVICE_KEY)
                .<JsonNode>map(j -> Json.parse(j, "service info")).orElse(null));
        reads.put("getRecoveryThreshold", a -> Json.MAPPER.getNodeFactory().numberNode(GovReads.recoveryThreshold(store)));
        reads.put("certificateId", a -> TextNode.valueOf(Certificates.keyId(certificate(text(a, 0, "certificate")))));
        reads.put("checkCaCertBundle", a -> {
            CaBundle.parse(text(a, 0, "bundle name"), text(a, 1, "bundle"));
            return null;
        });
        reads.put("checkJwtIssuer", a -> {
            JwtIssuer.fromArgs(text(a, 0, "issuer"), a.path(1));
            return null;
        });
        reads.put("isUserId", a -> Json.MAPPER.getNodeFactory().booleanNode(isUserId(text(a, 0, "user id"))));
        reads.put("getPlatforms", a -> {
            ArrayNode out = Json.MAPPER.createArrayNode();
            store.forEach(GovMaps.NODE_PLATFORMS, (name, j) -> out.add(name));
            return out;
        });
        reads.put("isValidEncryptionKey", a -> Json.MAPPER.getNodeFactory().booleanNode(
                isValidEncryptionKey(text(a, 0, "encryption key"))));

        writes.put("setMember", a -> {
            X509Certificate cert = certificate(text(a, 0, "member certificate"));
            String id = Certificates.keyId(cert);
            String encKey = a.path(1).isTextual() ? a.path(1).asText() : null;
            if (encKey != null) {
                encryptionKey(encKey);
                store.put(GovMaps.MEMBER_ENCRYPTION_KEYS, id, encKey);
            } else {
                store.remove(GovMaps.MEMBER_ENCRYPTION_KEYS, id);
            }
            MemberStatus status = GovReads.memberStatus(store, id).orElse(MemberStatus.Accepted);
            store.put(GovMaps.MEMBER_CERTS, id, Pem.certificate(cert));
            ObjectNode info = Json.newObject().put("status", status.name());
            info.set("memberData", a.path(2).isMissingNode() ? null : a.path(2));
            store.put(GovMaps.MEMBER_INFO, id, Json.write(info));
            return TextNode.valueOf(id);
        });
        writes.put("removeMember", a -> {
            String id = text(a, 0, "member id");
            if (store.get(GovMaps.MEMBER_CERTS, id).isEmpty()) {
                throw new IllegalArgumentException("no member " + id);
            }
            List<String> active = GovReads.activeMembers(store);
            if (active.size() == 1 && active.contains(id)) {
                throw new IllegalArgumentException("cannot remove the last active member");
            }
            store.remove(GovMaps.MEMBER_CERTS, id);
            store.remove(GovMaps.MEMBER_INFO, id);
            store.remove(GovMaps.MEMBER_ENCRYPTION_KEYS, id);
            store.remove(GovMaps.MEMBER_ACKS, id);
            return null;
        });
        writes.put("setMemberData", a -> {
            String id = text(a, 0, "member id");
            ObjectNode info = Json.object(store.get(GovMaps.MEMBER_INFO, id).orElseThrow(() ->
                    new IllegalArgumentException("no member " + id)), "member info");
            info.set("memberData", a.path(1).isMissingNode() ? null : a.path(1));
            store.put(GovMaps.MEMBER_INFO, id, Json.write(info));
            return null;
        });
        writes.put("setUser", a -> {
            X509Certificate cert = certificate(text(a, 0, "user certificate"));
            String id = Certificates.keyId(cert);
            store.put(GovMaps.USER_CERTS, id, Pem.certificate(cert));
            ObjectNode info = Json.newObject();
            info.set("userData", a.path(1).isMissingNode() ? null : a.path(1));
            store.put(GovMaps.USER_INFO, id, Json.write(info));
            return TextNode.valueOf(id);
        });
        writes.put("removeUser", a -> {
            String id = text(a, 0, "user id");
            if (store.get(GovMaps.USER_CERTS, id).isEmpty()) {
                throw new IllegalArgumentException("no user " + id);
            }
            store.remove(GovMaps.USER_CERTS, id);
            store.remove(GovMaps.USER_INFO, id);
            store.remove(GovMaps.ETHEREUM_USER_ADDRESSES, id);
            return null;
        });
        writes.put("setUserEthereumAddresses", a -> {
            String id = text(a, 0, "user id");
            if (!isUserId(id)) {
                throw new IllegalArgumentException("no user " + id + " (neither a registered user, nor issuer#subject of a"
                        + " JWT issuer, nor a key id while a CA bundle is set)");
            }
            JsonNode list = a.path(1);
            if (!list.isArray() || list.size() > GovMaps.ETHEREUM_ADDRESSES_PER_USER_MAX) {
                throw new IllegalArgumentException("addresses must be an array of at most "
                        + GovMaps.ETHEREUM_ADDRESSES_PER_USER_MAX + " 0x-prefixed 20-byte hex addresses");
            }
            ArrayNode out = Json.MAPPER.createArrayNode();
            java.util.Set<String> seen = new java.util.LinkedHashSet<>();
            for (JsonNode n : list) {
                if (!n.isTextual() || !n.asText().matches("0[xX][0-9a-fA-F]{40}")) {
                    throw new IllegalArgumentException("not an Ethereum address: " + n);
                }
                seen.add("0x" + n.asText().substring(2).toLowerCase(java.util.Locale.ROOT));
            }
            seen.forEach(out::add);
            if (out.isEmpty()) {
                store.remove(GovMaps.ETHEREUM_USER_ADDRESSES, id);
            } else {
                store.put(GovMaps.ETHEREUM_USER_ADDRESSES, id, Json.write(out));
            }
            return null;
        });
        writes.put("setEthereumNetwork", a -> {
            JsonNode changes = a.path(0);
            if (!changes.isObject()) {
                throw new IllegalArgumentException("the Ethereum network settings must be an object");
            }
            ObjectNode settings = Json.object(store.get(GovMaps.ETHEREUM_NETWORK, GovMaps.ETHEREUM_NETWORK_KEY)
                    .orElseThrow(() -> new IllegalArgumentException("this service has no Ethereum network settings")),
                    "ethereum network settings");
            changes.fieldNames().forEachRemaining(k -> {
                JsonNode v = changes.get(k);
                switch (k) {
                    case "chainId" -> {
                        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
                            throw new IllegalArgumentException("chainId must be a positive integer");
                        }
                        settings.put("chainId", v.asLong());
                    }
                    case "blockGasLimit" -> {
                        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 21_000) {
                            throw new IllegalArgumentException("blockGasLimit must be an integer of at least 21000");
                        }
                        settings.put("blockGasLimit", v.asLong());
                    }
                    case "gasPriceWei" -> {
                        if (!v.isTextual() || !v.asText().matches("[0-9]{1,77}")) {
                            throw new IllegalArgumentException("gasPriceWei must be a decimal string");
                        }
                        settings.put("gasPriceWei", new java.math.BigInteger(v.asText()).toString());
                    }
                    case "fork" -> {
                        if (!v.isTextual() || !java.util.List.of("Berlin", "London", "Paris", "Shanghai", "Cancun")
                                .contains(v.asText())) {
                            throw new IllegalArgumentException("fork must be Berlin, London, Paris, Shanghai or Cancun");
                        }
                        settings.put("fork", v.asText());
                    }
                    case "coinbase" -> {
                        if (!v.isTextual() || !v.asText().matches("0[xX][0-9a-fA-F]{40}")) {
                            throw new IllegalArgumentException("coinbase must be a 0x-prefixed 20-byte hex address");
                        }
                        settings.put("coinbase", "0x" + v.asText().substring(2).toLowerCase(java.util.Locale.ROOT));
                    }
                    default -> throw new IllegalArgumentException("unknown Ethereum network setting '" + k + "'");
                }
            });
            store.put(GovMaps.ETHEREUM_NETWORK, GovMaps.ETHEREUM_NETWORK_KEY, Json.write(settings));
            return null;
        });
        writes.put("setUserData", a -> {
            String id = text(a, 0, "user id");
            if (store.get(GovMaps.USER_CERTS, id).isEmpty()) {
                throw new IllegalArgumentException("no user " + id);
            }
            ObjectNode info = Json.newObject();
            info.set("userData", a.path(1).isMissingNode() ? null : a.path(1));
            store.put(GovMaps.USER_INFO, id, Json.write(info));
            return null;
        });
        writes.put("setConstitution", a -> {
            String text = text(a, 0, "constitution");
            if (text.isBlank()) {
                throw new IllegalArgumentException("the constitution must not be empty");
            }
            store.put(GovMaps.CONSTITUTION, GovMaps.CONSTITUTION_KEY, text);
            return null;
        });
        writes.put("transitionServiceToOpen", a -> {
            ObjectNode info = Json.object(store.get(GovMaps.SERVICE_INFO, GovMaps.SERVICE_KEY).orElseThrow(() ->
                    new IllegalStateException("the service has no service info yet")), "service info");
            ServiceStatus now = ServiceStatus.valueOf(info.path("status").asText());
            ServiceStatus next = switch (now) {
                case Opening -> ServiceStatus.Open;
                case Recovering -> ServiceStatus.WaitingForRecoveryShares;
                default -> throw new IllegalStateException("the service is " + now + ", not Opening or Recovering");
            };
            info.put("status", next.name());
            store.put(GovMaps.SERVICE_INFO, GovMaps.SERVICE_KEY, Json.write(info));
            return TextNode.valueOf(next.name());
        });
        writes.put("setRecoveryThreshold", a -> {
            JsonNode n = a.path(0);
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 255) {
                throw new IllegalArgumentException("recovery threshold must be an integer from 1 to 255");
            }
            int members = recoveryMemberCount();
            if (members > 0 && n.asInt() > members) {
                throw new IllegalArgumentException("recovery threshold " + n.asInt() + " is more than the "
                        + members + " recovery members");
            }
            store.put(GovMaps.RECOVERY_THRESHOLD, GovMaps.RECOVERY_THRESHOLD_KEY, Integer.toString(n.asInt()));
            return null;
        });
        writes.put("transitionNodeToTrusted", a -> setNodeStatus(text(a, 0, "node id"), "Trusted"));
        writes.put("removeNode", a -> setNodeStatus(text(a, 0, "node id"), "Retired"));
        writes.put("addNodeMeasurement", a -> {
            String platform = text(a, 0, "platform");
            String measurement = hex(text(a, 1, "measurement"));
            store.put(GovMaps.NODE_CODE_IDS, measurement, Json.write(Json.newObject()
                    .put("platform", platform).put("status", "AllowedToJoin")));
            return null;
        });
        writes.put("removeNodeMeasurement", a -> {
            String platform = text(a, 0, "platform");
            String measurement = hex(text(a, 1, "measurement"));
            String current = store.get(GovMaps.NODE_CODE_IDS, measurement).orElseThrow(() ->
                    new IllegalArgumentException("measurement " + measurement + " is not allowed now"));
            if (!platform.equals(Json.object(current, "code id").path("platform").asText())) {
                throw new IllegalArgumentException("measurement " + measurement + " is not for platform " + platform);
            }
            store.remove(GovMaps.NODE_CODE_IDS, measurement);
            return null;
        });
        writes.put("setCaCertBundle", a -> {
            String name = text(a, 0, "bundle name");
            StringBuilder pem = new StringBuilder();
            CaBundle.parse(name, text(a, 1, "bundle")).forEach(c -> pem.append(Pem.certificate(c)));
            store.put(GovMaps.CA_CERT_BUNDLES, name, pem.toString());
            return null;
        });
        writes.put("removeCaCertBundle", a -> {
            String name = text(a, 0, "bundle name");
            if (store.get(GovMaps.CA_CERT_BUNDLES, name).isEmpty()) {
                throw new IllegalArgumentException("no CA bundle " + name);
            }
            store.remove(GovMaps.CA_CERT_BUNDLES, name);
            return null;
        });
        writes.put("setJwtIssuer", a -> {
            String issuer = text(a, 0, "issuer");
            store.put(GovMaps.JWT_ISSUERS, issuer, JwtIssuer.fromArgs(issuer, a.path(1)).toStoredJson());
            return null;
        });
        writes.put("removeJwtIssuer", a -> {
            String issuer = text(a, 0, "issuer");
            if (store.get(GovMaps.JWT_ISSUERS, issuer).isEmpty()) {
                throw new IllegalArgumentException("no JWT issuer " + issuer);
            }
            store.remove(GovMaps.JWT_ISSUERS, issuer);
            // Its users can no longer authenticate: their Ethereum bindings go too.
            List<String> bound = new ArrayList<>();
            store.forEach(GovMaps.ETHEREUM_USER_ADDRESSES, (id, j) -> {
                if (JwtIssuer.issuerOfUserId(id).filter(issuer::equals).isPresent()) {
                    bound.add(id);
                }
            });
            bound.forEach(id -> store.remove(GovMaps.ETHEREUM_USER_ADDRESSES, id));
            return null;
        });
        writes.put("addPlatform", a -> {
            String platform = platform(text(a, 0, "platform"));
            store.put(GovMaps.NODE_PLATFORMS, platform, Json.write(Json.newObject().put("status", "AllowedToJoin")));
            return null;
        });
        writes.put("removePlatform", a -> {
            String platform = platform(text(a, 0, "platform"));
            if (store.get(GovMaps.NODE_PLATFORMS, platform).isEmpty()) {
                throw new IllegalArgumentException("platform " + platform + " is not allowed now");
            }
            store.remove(GovMaps.NODE_PLATFORMS, platform);
            return null;
        });
        writes.put("requestLedgerRekey", a -> request(GovMaps.REQUEST_LEDGER_REKEY));
        writes.put("requestSnapshot", a -> request(GovMaps.REQUEST_SNAPSHOT));
    }

    @Override
    public List<String> operations() {
        List<String> ops = new ArrayList<>(reads.keySet());
        ops.addAll(writes.keySet());
        return ops;
    }

    @Override
    public String call(String op, JsonNode args) {
        if (!args.isArray()) {
            throw new IllegalArgumentException("arguments of gov." + op + " must be an array");
        }
        Function<JsonNode, JsonNode> f = reads.get(op);
        if (f == null) {
            f = writes.get(op);
            if (f == null) {
                throw new IllegalArgumentException("no operation gov." + op);
            }
            if (!writable) {
                throw new IllegalStateException("gov." + op + " changes the store: only apply may call it");
            }
        }
        JsonNode r = f.apply(args);
        return r == null ? "null" : Json.write(r);
    }

    /**
     * Whether {@code id} may be a user: a registered user, {@code issuer#subject} of a registered
     * JWT issuer, or (while any CA bundle is set) a key id (64 lower-case hex digits), which is
     * how a user admitted by a CA bundle is identified.
     */
    private boolean isUserId(String id) {
        if (store.get(GovMaps.USER_CERTS, id).isPresent()) {
            return true;
        }
        Optional<String> issuer = JwtIssuer.issuerOfUserId(id);
        if (issuer.isPresent()) {
            return store.get(GovMaps.JWT_ISSUERS, issuer.get()).isPresent();
        }
        boolean[] anyBundle = {false};
        store.forEach(GovMaps.CA_CERT_BUNDLES, (name, pem) -> anyBundle[0] = true);
        return anyBundle[0] && id.matches("[0-9a-f]{64}");
    }

    /** Platform names are short identifiers, e.g. {@code virtual} or {@code sev-snp}. */
    private static String platform(String name) {
        if (!name.matches("[a-z0-9][a-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("platform must be 1 to 64 lower-case letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        return name;
    }

    private JsonNode member(String id) {
        return store.get(GovMaps.MEMBER_CERTS, id).<JsonNode>map(cert -> {
            ObjectNode info = Json.object(store.get(GovMaps.MEMBER_INFO, id).orElse("{}"), "member info");
            ObjectNode o = Json.newObject().put("memberId", id).put("cert", cert)
                    .put("status", info.path("status").asText());
            o.put("encryptionKey", store.get(GovMaps.MEMBER_ENCRYPTION_KEYS, id).orElse(null));
            o.set("memberData", info.get("memberData"));
            return o;
        }).orElse(null);
    }

    private int recoveryMemberCount() {
        int[] n = {0};
        GovReads.activeMembers(store).forEach(id -> {
            if (store.get(GovMaps.MEMBER_ENCRYPTION_KEYS, id).isPresent()) {
                n[0]++;
            }
        });
        return n[0];
    }

    private JsonNode setNodeStatus(String nodeId, String status) {
        ObjectNode info = Json.object(store.get(GovMaps.NODES, nodeId).orElseThrow(() ->
                new IllegalArgumentException("no node " + nodeId)), "node info");
        info.put("status", status);
        store.put(GovMaps.NODES, nodeId, Json.write(info));
        return null;
    }

    private JsonNode request(String kind) {
        long count = store.get(GovMaps.SERVICE_REQUESTS, kind)
                .map(j -> Json.object(j, "request").path("count").asLong()).orElse(0L);
        store.put(GovMaps.SERVICE_REQUESTS, kind, Json.write(Json.newObject()
                .put("proposalId", proposalId).put("count", count + 1)));
        return null;
    }

    private static String text(JsonNode args, int index, String what) {
        JsonNode n = args.path(index);
        if (!n.isTextual()) {
            throw new IllegalArgumentException(what + " (argument " + (index + 1) + ") must be a string");
        }
        return n.asText();
    }

    private static String hex(String s) {
        if (s.isEmpty() || !s.matches("[0-9a-fA-F]+") || s.length() % 2 != 0) {
            throw new IllegalArgumentException("measurement must be hex, got '" + s + "'");
        }
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    static X509Certificate certificate(String pem) {
        try {
            return Pem.readCertificate(pem);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage());
        }
    }

    /** Parses an RSA public key PEM (SubjectPublicKeyInfo) of at least 2048 bits. */
    static RSAPublicKey encryptionKey(String pem) {
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        try {
            PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
            RSAPublicKey rsa = (RSAPublicKey) k;
            if (rsa.getModulus().bitLength() < 2048) {
                throw new IllegalArgumentException("encryption key must be RSA of at least 2048 bits");
            }
            return rsa;
        } catch (java.security.GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("not an RSA public key PEM: " + e.getMessage());
        }
    }

    static boolean isValidEncryptionKey(String pem) {
        try {
            encryptionKey(pem);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
