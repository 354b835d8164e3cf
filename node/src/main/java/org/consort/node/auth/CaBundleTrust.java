package org.consort.node.auth;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.consort.governance.CaBundle;
import org.consort.governance.GovMaps;
import org.consort.kv.ReadTx;
import org.consort.node.http.HttpError;

/**
 * Whether a TLS client certificate chain belongs to a user admitted by a CA bundle
 * ({@link GovMaps#CA_CERT_BUNDLES}): the JDK's PKIX certificate path builder must find a path
 * from the leaf, through intermediates the client sent, to a CA of a bundle, every certificate
 * valid at the node's clock, every issuer a CA by its basic constraints (within its path
 * length) with keyCertSign when it has a key usage. The leaf itself must not be a CA and, when
 * it has an extended key usage, must allow TLS client authentication. Revocation is not checked
 * (the node fetches nothing; governance removes a compromised CA's bundle).
 *
 * <p>TLS proves the client holds the leaf's private key; this class decides what the chain means.
 * Thread-safe; successful paths are cached per presented chain for as long as the bundles are unchanged, and
 * their validity is checked again on every call.
 */
public final class CaBundleTrust {
    /** Leaves whose path is remembered at most. */
    public static final int PATH_CACHE_ENTRIES_MAX = 10_000;
    /** Intermediates between the leaf and the bundle's CA at most. */
    public static final int INTERMEDIATES_MAX = 4;
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    /** The bundle a chain ends in, and when that path is valid. */
    public record Match(String bundle, Instant notBefore, Instant notAfter) {
    }

    private record Anchors(Map<String, String> stored, Set<TrustAnchor> anchors, Map<X509Certificate, String> bundleOf) {
    }

    private record CachedPath(Anchors anchors, Match match) {
    }

    private final InstantSource clock;
    private volatile Anchors anchors = new Anchors(Map.of(), Set.of(), Map.of());
    private final ConcurrentHashMap<List<X509Certificate>, CachedPath> paths = new ConcurrentHashMap<>();

    public CaBundleTrust(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The bundle whose CA issued {@code chain} (leaf first), or empty when governance set no
     * bundle; HttpError 403 saying why when bundles exist but none admits the chain.
     */
    public Optional<Match> check(X509Certificate[] chain, ReadTx tx) {
        Anchors a = anchors(tx);
        if (a.anchors().isEmpty()) {
            return Optional.empty();
        }
        X509Certificate leaf = chain[0];
        Instant now = clock.instant();
        List<X509Certificate> key = List.of(chain);
        CachedPath cached = paths.get(key);
        if (cached != null && cached.anchors() == a) {
            requireValid(cached.match(), now);
            return Optional.of(cached.match());
        }
        requireUsableLeaf(leaf, now);
        Match match = build(chain, a, now);
        if (paths.size() >= PATH_CACHE_ENTRIES_MAX) {
            paths.clear();
        }
        paths.put(key, new CachedPath(a, match));
        return Optional.of(match);
    }

    private static void requireUsableLeaf(X509Certificate leaf, Instant now) {
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateException e) {
            throw refused("ExpiredClientCertificate", "the client certificate is not valid at the node's time " + now
                    + " (valid from " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ")");
        }
        if (leaf.getBasicConstraints() >= 0) {
            throw refused("UnknownClientCertificate", "the client certificate is a CA certificate; a user presents an "
                    + "end-entity certificate issued by the CA");
        }
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw refused("UnknownClientCertificate", "the client certificate's extended key usage cannot be read");
        }
        if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EXTENDED_KEY_USAGE)) {
            throw refused("UnknownClientCertificate", "the client certificate's extended key usage does not allow TLS "
                    + "client authentication");
        }
    }

    private static Match build(X509Certificate[] chain, Anchors a, Instant now) {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(chain[0]);
            PKIXBuilderParameters params = new PKIXBuilderParameters(a.anchors(), target);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            params.setMaxPathLength(INTERMEDIATES_MAX);
            params.addCertStore(CertStore.getInstance("Collection",
                    new CollectionCertStoreParameters(Arrays.asList(chain))));
            PKIXCertPathBuilderResult result = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
            X509Certificate ca = result.getTrustAnchor().getTrustedCert();
            ca.checkValidity(Date.from(now)); // PKIX does not check the anchor's own validity
            Instant notBefore = ca.getNotBefore().toInstant();
            Instant notAfter = ca.getNotAfter().toInstant();
            for (var c : result.getCertPath().getCertificates()) {
                X509Certificate x = (X509Certificate) c;
                notBefore = max(notBefore, x.getNotBefore().toInstant());
                notAfter = min(notAfter, x.getNotAfter().toInstant());
            }
            return new Match(a.bundleOf().get(ca), notBefore, notAfter);
        } catch (CertPathBuilderException e) {
            throw refused("UnknownClientCertificate", "the client certificate is not registered as a user and no CA bundle "
                    + "admits it: " + reason(e));
        } catch (CertificateException e) {
            throw refused("UnknownClientCertificate", "the CA that issued the client certificate is not valid at the node's "
                    + "time " + now);
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("no CA bundle to build a path to", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PKIX is not available: " + e.getMessage(), e);
        }
    }

    private static void requireValid(Match m, Instant now) {
        if (now.isBefore(m.notBefore()) || now.isAfter(m.notAfter())) {
            throw refused("ExpiredClientCertificate", "the client certificate or a CA of its chain is not valid at the "
                    + "node's time " + now);
        }
    }

    /** The trust anchors of the current bundles, parsed again only when a bundle changed. */
    private Anchors anchors(ReadTx tx) {
        Map<String, String> stored = new TreeMap<>();
        tx.read(GovMaps.CA_CERT_BUNDLES).forEach(stored::put);
        Anchors current = anchors;
        if (current.stored().equals(stored)) {
            return current;
        }
        Set<TrustAnchor> set = new HashSet<>();
        Map<X509Certificate, String> bundleOf = new HashMap<>();
        stored.forEach((name, pem) -> {
            List<X509Certificate> certs;
            try {
                certs = CaBundle.parse(name, pem);
            } catch (IllegalArgumentException e) {
                return; // governance checked it when set; an unreadable bundle admits no one
            }
            for (X509Certificate c : certs) {
                if (bundleOf.putIfAbsent(c, name) == null) {
                    set.add(new TrustAnchor(c, null));
                }
            }
        });
        Anchors fresh = new Anchors(Map.copyOf(stored), Set.copyOf(set), Map.copyOf(bundleOf));
        anchors = fresh;
        paths.clear();
        return fresh;
    }

    private static String reason(CertPathBuilderException e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 3; t = t.getCause()) {
            if (t.getMessage() != null && !parts.contains(t.getMessage())) {
                parts.add(t.getMessage());
            }
        }
        return parts.isEmpty() ? "no path to a bundle's CA" : String.join(": ", parts);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static HttpError refused(String code, String message) {
        return new HttpError(403, code, message);
    }
}
