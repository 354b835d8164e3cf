package org.consort.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConstitutionRuntimeTest {
    private static final ConstitutionRuntime RT = GovFixture.RUNTIME;

    private static String typeOf(String expr) {
        return RT.invoke("probe", "export function f() { return typeof " + expr + "; }", "f",
                Json.MAPPER.createArrayNode(), ConstitutionRuntime.NO_HOST).asText();
    }

    @Test
    void sandboxHasNoHostIoOrShellBuiltins() {
        for (String name : new String[] {"Java", "Packages", "load", "print", "console", "Polyglot", "Graal",
                "quit", "SharedArrayBuffer", "WebAssembly", "process", "require"}) {
            assertThat(typeOf(name)).as(name).isEqualTo("undefined");
        }
    }

    @Test
    void importsAreRefused() {
        assertThatThrownBy(() -> RT.invoke("probe", "import x from '/etc/passwd'; export function f() { return 1; }",
                "f", Json.MAPPER.createArrayNode(), ConstitutionRuntime.NO_HOST)).isInstanceOf(ScriptFailure.class);
    }

    @Test
    void hugeSingleAllocationsAreRefused() {
        assertThatThrownBy(() -> RT.invoke("probe", "export function f() { return 'x'.repeat(2 ** 28).length; }",
                "f", Json.MAPPER.createArrayNode(), ConstitutionRuntime.NO_HOST))
                .isInstanceOf(ScriptFailure.class).hasMessageContaining("Invalid string length");
        assertThatThrownBy(() -> RT.invoke("probe", "export function f() { return new Uint8Array(2 ** 30).length; }",
                "f", Json.MAPPER.createArrayNode(), ConstitutionRuntime.NO_HOST))
                .isInstanceOf(ScriptFailure.class).hasMessageContaining("typed array length");
    }

    @Test
    void writesOutsideApplyAreRefused() {
        GovFixture f = new GovFixture(1, false, 0);
        GovApi readOnly = new GovApi(new GovStore(f.store.readTx()), false, "p");
        assertThatThrownBy(() -> RT.invoke("probe", "export function f() { gov.requestSnapshot(); }", "f",
                Json.MAPPER.createArrayNode(), readOnly))
                .isInstanceOf(ScriptFailure.class).hasMessageContaining("only apply may call it");
        assertThat(RT.invoke("probe", "export function f() { return gov.activeMemberIds().length; }", "f",
                Json.MAPPER.createArrayNode(), readOnly).asInt()).isEqualTo(1);
    }

    @Test
    void constitutionWithoutRequiredExportsIsRefused() {
        assertThatThrownBy(() -> RT.checkExports("constitution", "export function validate() {}",
                java.util.List.of("validate", "resolve", "apply")))
                .isInstanceOf(ScriptFailure.class).hasMessageContaining("resolve");
    }
}
