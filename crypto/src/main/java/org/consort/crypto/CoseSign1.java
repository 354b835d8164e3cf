package org.consort.crypto;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A COSE_Sign1 message (RFC 9052 section 4.2) with ECDSA ES256 / ES384: a protected header
 * (deterministically encoded, signed), an unprotected header (not signed), a payload that may
 * be detached (encoded as {@code nil}), and the {@code r || s} signature over
 * {@code Sig_structure = ["Signature1", protected, external_aad, payload]}.
 *
 * <p>Build with {@link #builder()}, parse with {@link #decode}, check with {@link #verify}.
 * Instances are immutable (byte arrays are copied) and safe to share between threads.
 */
public final class CoseSign1 {
    public static final int TAG = 18;
    public static final int HEADER_ALG = 1;
    public static final int HEADER_CONTENT_TYPE = 3;
    public static final int HEADER_KID = 4;
    public static final int HEADER_X5CHAIN = 33;

    private final byte[] protectedBytes;
    private final CBORObject protectedHeader;
    private final CBORObject unprotectedHeader;
    private final byte[] payload;
    private final byte[] signature;

    private CoseSign1(byte[] protectedBytes, CBORObject protectedHeader, CBORObject unprotectedHeader, byte[] payload,
                      byte[] signature) {
        this.protectedBytes = protectedBytes.clone();
        this.protectedHeader = protectedHeader;
        this.unprotectedHeader = unprotectedHeader;
        this.payload = payload == null ? null : payload.clone();
        this.signature = signature.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The serialized protected header exactly as signed. */
    public byte[] protectedBytes() {
        return protectedBytes.clone();
    }

    /** A copy of the decoded protected header map. */
    public CBORObject protectedHeader() {
        return DeterministicCbor.decode(protectedBytes);
    }

    /** A copy of the unprotected header map. */
    public CBORObject unprotectedHeader() {
        return DeterministicCbor.decode(DeterministicCbor.encode(unprotectedHeader));
    }

    /** The embedded payload, or empty when detached. */
    public Optional<byte[]> payload() {
        return Optional.ofNullable(payload).map(byte[]::clone);
    }

    public byte[] signature() {
        return signature.clone();
    }

    /** The {@code alg} protected header value. */
    public long algorithm() {
        CBORObject alg = protectedHeader.get(CBORObject.FromObject(HEADER_ALG));
        if (alg == null || alg.getType() != CBORType.Integer) {
            throw new IllegalArgumentException("COSE_Sign1 protected header has no integer alg (label 1)");
        }
        return alg.AsInt64Value();
    }

    /** The {@code kid} protected header value, if present. */
    public Optional<byte[]> kid() {
        CBORObject kid = protectedHeader.get(CBORObject.FromObject(HEADER_KID));
        return kid != null && kid.getType() == CBORType.ByteString ? Optional.of(kid.GetByteString()) : Optional.empty();
    }

    /** A protected header value by integer label. */
    public Optional<CBORObject> protectedValue(long label) {
        return Optional.ofNullable(protectedHeader.get(CBORObject.FromObject(label)));
    }

    /** A protected header value by text label. */
    public Optional<CBORObject> protectedValue(String label) {
        return Optional.ofNullable(protectedHeader.get(CBORObject.FromObject(label)));
    }

    /** An unprotected header value by integer label. */
    public Optional<CBORObject> unprotectedValue(long label) {
        return Optional.ofNullable(unprotectedHeader.get(CBORObject.FromObject(label)));
    }

    /** An unprotected header value by text label. */
    public Optional<CBORObject> unprotectedValue(String label) {
        return Optional.ofNullable(unprotectedHeader.get(CBORObject.FromObject(label)));
    }

    /** A copy with {@code label -> value} set in the unprotected header (the signature stays valid). */
    public CoseSign1 withUnprotected(Object label, CBORObject value) {
        CBORObject u = unprotectedHeader();
        u.set(labelObject(label), value);
        return new CoseSign1(protectedBytes, protectedHeader, u, payload, signature);
    }

    /**
     * Verifies the signature with {@code key}. {@code detachedPayload} must be given when the
     * payload is detached and must be null otherwise. The {@code alg} header must match the
     * key's curve. Returns false on any mismatch; never throws for a bad signature.
     */
    public boolean verify(PublicKey key, byte[] detachedPayload) {
        byte[] p;
        if (payload == null) {
            if (detachedPayload == null) {
                throw new IllegalArgumentException("COSE_Sign1 payload is detached: pass it to verify");
            }
            p = detachedPayload;
        } else {
            if (detachedPayload != null) {
                throw new IllegalArgumentException("COSE_Sign1 has an embedded payload: do not pass a detached one");
            }
            p = payload;
        }
        EcCurve curve = EcCurve.of(key);
        long alg;
        try {
            alg = algorithm();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (alg != curve.coseAlgorithm()) {
            return false;
        }
        return Ecdsa.verifyP1363(key, sigStructure(protectedBytes, p), signature);
    }

    /** Tagged (18) deterministic encoding of the message. */
    public byte[] encode() {
        CBORObject arr = CBORObject.NewArray();
        arr.Add(CBORObject.FromObject(protectedBytes));
        arr.Add(unprotectedHeader);
        arr.Add(payload == null ? CBORObject.Null : CBORObject.FromObject(payload));
        arr.Add(CBORObject.FromObject(signature));
        return DeterministicCbor.encode(arr.WithTag(TAG));
    }

    /** Parses a COSE_Sign1 message, tagged 18 or untagged; IllegalArgumentException if malformed. */
    public static CoseSign1 decode(byte[] bytes) {
        CBORObject o = DeterministicCbor.decode(bytes);
        if (o.isTagged()) {
            if (o.getTagCount() != 1 || !o.HasMostOuterTag(TAG)) {
                throw new IllegalArgumentException("not a COSE_Sign1 message: unexpected CBOR tag");
            }
            o = o.UntagOne();
        }
        if (o.getType() != CBORType.Array || o.size() != 4) {
            throw new IllegalArgumentException("not a COSE_Sign1 message: expected an array of 4 items");
        }
        if (o.get(0).getType() != CBORType.ByteString || o.get(1).getType() != CBORType.Map
                || o.get(3).getType() != CBORType.ByteString || !(o.get(2).isNull() || o.get(2).getType() == CBORType.ByteString)) {
            throw new IllegalArgumentException("not a COSE_Sign1 message: wrong item types");
        }
        byte[] prot = o.get(0).GetByteString();
        CBORObject protMap = prot.length == 0 ? CBORObject.NewMap() : DeterministicCbor.decode(prot);
        if (protMap.getType() != CBORType.Map) {
            throw new IllegalArgumentException("COSE_Sign1 protected header is not a map");
        }
        byte[] payload = o.get(2).isNull() ? null : o.get(2).GetByteString();
        return new CoseSign1(prot, protMap, o.get(1), payload, o.get(3).GetByteString());
    }

    /** {@code Sig_structure} for COSE_Sign1 with empty external AAD. */
    static byte[] sigStructure(byte[] protectedBytes, byte[] payload) {
        CBORObject s = CBORObject.NewArray();
        s.Add(CBORObject.FromObject("Signature1"));
        s.Add(CBORObject.FromObject(protectedBytes));
        s.Add(CBORObject.FromObject(new byte[0]));
        s.Add(CBORObject.FromObject(payload));
        return DeterministicCbor.encode(s);
    }

    private static CBORObject labelObject(Object label) {
        if (label instanceof Integer || label instanceof Long) {
            return CBORObject.FromObject(((Number) label).longValue());
        }
        if (label instanceof String s) {
            return CBORObject.FromObject(s);
        }
        throw new IllegalArgumentException("COSE header labels are integers or text, not " + label.getClass().getSimpleName());
    }

    /** Collects headers and payload, then signs. Not thread-safe; use one per message. */
    public static final class Builder {
        private final Map<Object, CBORObject> protectedExtra = new LinkedHashMap<>();
        private final Map<Object, CBORObject> unprotected = new LinkedHashMap<>();
        private byte[] kid;
        private CBORObject contentType;
        private byte[] payload = new byte[0];
        private boolean detached;

        private Builder() {
        }

        public Builder kid(byte[] kid) {
            this.kid = kid.clone();
            return this;
        }

        public Builder kid(String kid) {
            return kid(kid.getBytes(StandardCharsets.UTF_8));
        }

        public Builder contentType(String mediaType) {
            this.contentType = CBORObject.FromObject(mediaType);
            return this;
        }

        public Builder contentType(int coapContentFormat) {
            this.contentType = CBORObject.FromObject(coapContentFormat);
            return this;
        }

        /** Adds a protected header; {@code label} is an Integer, Long or String. */
        public Builder protectedHeader(Object label, CBORObject value) {
            CBORObject l = labelObject(label);
            if (l.getType() == CBORType.Integer && (l.AsInt64Value() == HEADER_ALG)) {
                throw new IllegalArgumentException("alg is set from the signing key");
            }
            protectedExtra.put(label instanceof Integer i ? Long.valueOf(i) : label, Objects.requireNonNull(value));
            return this;
        }

        /** Adds an unprotected header; {@code label} is an Integer, Long or String. */
        public Builder unprotectedHeader(Object label, CBORObject value) {
            unprotected.put(label instanceof Integer i ? Long.valueOf(i) : label, Objects.requireNonNull(value));
            return this;
        }

        public Builder payload(byte[] payload) {
            this.payload = payload.clone();
            return this;
        }

        /** When true, the payload is signed but encoded as {@code nil}. */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        public CoseSign1 sign(PrivateKey key) {
            CBORObject prot = CBORObject.NewMap();
            prot.set(CBORObject.FromObject(HEADER_ALG), CBORObject.FromObject(EcCurve.of(key).coseAlgorithm()));
            if (contentType != null) {
                prot.set(CBORObject.FromObject(HEADER_CONTENT_TYPE), contentType);
            }
            if (kid != null) {
                prot.set(CBORObject.FromObject(HEADER_KID), CBORObject.FromObject(kid));
            }
            protectedExtra.forEach((l, v) -> prot.set(labelObject(l), v));
            CBORObject unprot = CBORObject.NewMap();
            unprotected.forEach((l, v) -> unprot.set(labelObject(l), v));
            byte[] protBytes = DeterministicCbor.encode(prot);
            byte[] sig = Ecdsa.signP1363(key, sigStructure(protBytes, payload));
            return new CoseSign1(protBytes, DeterministicCbor.decode(protBytes), unprot, detached ? null : payload, sig);
        }
    }
}
