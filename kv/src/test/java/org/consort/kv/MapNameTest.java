package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MapNameTest {

    @ParameterizedTest
    @CsvSource({
        "public:consort.gov.members, PUBLIC, GOVERNANCE",
        "public:consort.internal.nodes, PUBLIC, INTERNAL",
        "public:records, PUBLIC, APPLICATION",
        "public:app.consort.gov.x, PUBLIC, APPLICATION",
        "consort.gov.secrets, PRIVATE, GOVERNANCE",
        "consort.internal.keys, PRIVATE, INTERNAL",
        "records, PRIVATE, APPLICATION",
        "publications, PRIVATE, APPLICATION",
        "log-private_v2, PRIVATE, APPLICATION",
        "consortium.members, PRIVATE, APPLICATION",
    })
    void nameDecidesVisibilityAndOwner(String name, Visibility visibility, MapOwner owner) {
        MapName<String, String> m = MapName.of(name, Codec.utf8(), Codec.utf8());
        assertThat(m.name()).isEqualTo(name);
        assertThat(m.visibility()).isEqualTo(visibility);
        assertThat(m.owner()).isEqualTo(owner);
    }

    @ParameterizedTest
    @ValueSource(strings = {"public.records", "Public:records", "PUBLIC:records", "public_records", "public-x",
        "public", "publicx:y", "pub:records", "public:public:records", "public:Public.x", "public:",
        "records:x", "a..b", ".a", "a.", "consort.x", "consort.gov", "consort.gov.", "Consort.gov.x",
        "consort.Gov.x", "public:consort.members", "public:consort.internal.", "with space", "tab\tname",
        "é", "a/b", ""})
    void typosAndBadCharactersAreRejected(String name) {
        assertThatThrownBy(() -> MapName.of(name, Codec.utf8(), Codec.utf8()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("map name");
    }

    @Test
    void messagesNameTheMistake() {
        assertThatThrownBy(() -> MapName.raw("public.records")).hasMessageContaining("mistyped public prefix");
        assertThatThrownBy(() -> MapName.raw("public:public:x")).hasMessageContaining("more than one public prefix");
        assertThatThrownBy(() -> MapName.raw("a b")).hasMessageContaining("at index 1");
    }

    @Test
    void lengthIsLimitedTo256() {
        String ok = "a".repeat(256);
        assertThat(MapName.raw(ok).name()).hasSize(256);
        assertThatThrownBy(() -> MapName.raw(ok + "a")).hasMessageContaining("longer than 256");
        assertThatThrownBy(() -> MapName.raw(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalityIsByName() {
        assertThat(MapName.of("x", Codec.utf8(), Codec.int64())).isEqualTo(MapName.raw("x"))
                .hasSameHashCodeAs(MapName.raw("x")).isNotEqualTo(MapName.raw("y"));
    }
}
