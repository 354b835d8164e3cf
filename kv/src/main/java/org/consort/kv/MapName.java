package org.consort.kv;

import java.util.Objects;

/**
 * The typed name of a map: its string name, which decides its {@link Visibility} and
 * {@link MapOwner}, and the codecs of its keys and values. Immutable and thread-safe.
 *
 * <p>Names and what they mean:
 * <pre>
 *   public:consort.gov.&lt;rest&gt;       PUBLIC  GOVERNANCE
 *   public:consort.internal.&lt;rest&gt;  PUBLIC  INTERNAL
 *   public:&lt;other&gt;                   PUBLIC  APPLICATION
 *   consort.gov.&lt;rest&gt;              PRIVATE GOVERNANCE
 *   consort.internal.&lt;rest&gt;         PRIVATE INTERNAL
 *   &lt;other&gt;                          PRIVATE APPLICATION
 * </pre>
 *
 * <p>Because a misspelt prefix would silently turn a public map into a private one (or a
 * governance map into an application map), names are validated strictly: 1 to 256 characters
 * from {@code [A-Za-z0-9._:-]}; {@code ':'} only in the one {@code public:} prefix; no empty
 * dot-separated segment; a name whose first word is "public" in any spelling other than the
 * exact {@code public:} prefix is rejected ({@code public.x}, {@code Public:x},
 * {@code public_x}, {@code public:public:x}); and the {@code consort} namespace holds only
 * {@code consort.gov.*} and {@code consort.internal.*}.
 *
 * <p>Two map names are equal when their string names are equal; the codecs are not compared.
 */
public final class MapName<K, V> {
    /** Longest accepted name, in characters. */
    public static final int NAME_LENGTH_MAX = 256;

    static final String PUBLIC_PREFIX = "public:";
    private static final String GOVERNANCE_PREFIX = "consort.gov.";
    private static final String INTERNAL_PREFIX = "consort.internal.";

    private final String name;
    private final Visibility visibility;
    private final MapOwner owner;
    private final Codec<K> keys;
    private final Codec<V> values;

    private MapName(String name, Visibility visibility, MapOwner owner, Codec<K> keys, Codec<V> values) {
        this.name = name;
        this.visibility = visibility;
        this.owner = owner;
        this.keys = keys;
        this.values = values;
    }

    /** Validates {@code name} (see the class comment); throws IllegalArgumentException if it is not valid. */
    public static <K, V> MapName<K, V> of(String name, Codec<K> keys, Codec<V> values) {
        Objects.requireNonNull(keys, "keys codec");
        Objects.requireNonNull(values, "values codec");
        String rest = validatedRest(name);
        Visibility visibility = name.startsWith(PUBLIC_PREFIX) ? Visibility.PUBLIC : Visibility.PRIVATE;
        MapOwner owner = rest.startsWith(GOVERNANCE_PREFIX) ? MapOwner.GOVERNANCE
                : rest.startsWith(INTERNAL_PREFIX) ? MapOwner.INTERNAL
                : MapOwner.APPLICATION;
        return new MapName<>(name, visibility, owner, keys, values);
    }

    /** A map name with raw byte keys and values, for tools and hooks that handle any map. */
    public static MapName<byte[], byte[]> raw(String name) {
        return of(name, Codec.bytes(), Codec.bytes());
    }

    /** Returns the name without its {@code public:} prefix, after checking every rule. */
    private static String validatedRest(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("map name must not be empty");
        }
        if (name.length() > NAME_LENGTH_MAX) {
            throw new IllegalArgumentException("map name is longer than " + NAME_LENGTH_MAX
                    + " characters: '" + name.substring(0, 40) + "...'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("map name '" + printable(name) + "' has a character outside"
                        + " [A-Za-z0-9._:-] at index " + i);
            }
        }
        boolean isPublic = name.startsWith(PUBLIC_PREFIX);
        String rest = isPublic ? name.substring(PUBLIC_PREFIX.length()) : name;
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("map name '" + name + "' has nothing after 'public:'");
        }
        if (firstWord(rest).equalsIgnoreCase("public")) {
            throw new IllegalArgumentException(isPublic
                    ? "map name '" + name + "' has more than one public prefix"
                    : "map name '" + name + "' looks like a mistyped public prefix: public maps start with"
                            + " exactly 'public:'");
        }
        if (rest.indexOf(':') >= 0) {
            throw new IllegalArgumentException("map name '" + name + "': ':' is only allowed in the"
                    + " 'public:' prefix (a mistyped prefix would make the map private)");
        }
        if (rest.startsWith(".") || rest.endsWith(".") || rest.contains("..")) {
            throw new IllegalArgumentException("map name '" + name + "' has an empty segment between dots");
        }
        if (firstWord(rest).equalsIgnoreCase("consort")
                && !(rest.startsWith(GOVERNANCE_PREFIX) && rest.length() > GOVERNANCE_PREFIX.length())
                && !(rest.startsWith(INTERNAL_PREFIX) && rest.length() > INTERNAL_PREFIX.length())) {
            throw new IllegalArgumentException("map name '" + name + "': the consort namespace holds only"
                    + " 'consort.gov.<name>' and 'consort.internal.<name>'");
        }
        return rest;
    }

    private static String firstWord(String s) {
        int end = 0;
        while (end < s.length() && Character.isLetterOrDigit(s.charAt(end))) {
            end++;
        }
        return s.substring(0, end);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    public String name() {
        return name;
    }

    public Visibility visibility() {
        return visibility;
    }

    public MapOwner owner() {
        return owner;
    }

    public Codec<K> keys() {
        return keys;
    }

    public Codec<V> values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapName<?, ?> other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
