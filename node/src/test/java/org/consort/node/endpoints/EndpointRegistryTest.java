package org.consort.node.endpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.consort.node.auth.AuthPolicy;
import org.junit.jupiter.api.Test;

class EndpointRegistryTest {
    @Test
    void findsEndpointsAndTellsNotFoundFromMethodNotAllowed() {
        EndpointRegistry r = new EndpointRegistry();
        Endpoint get = r.get("/app/x", AuthPolicy.USER_CERT).summary("read x").readOnly((ctx, tx) -> null);
        r.post("/app/x", AuthPolicy.USER_CERT).jsonBody().readWrite((ctx, tx) -> null);
        assertThat(r.find("GET", "/app/x")).isEqualTo(new EndpointRegistry.Found(get));
        assertThat(r.find("GET", "/app/y")).isInstanceOf(EndpointRegistry.NotFound.class);
        assertThat(r.find("PUT", "/app/x")).isEqualTo(new EndpointRegistry.MethodNotAllowed(Set.of("GET", "POST")));
    }

    @Test
    void aVerbSuffixBeatsABareVariableWhateverTheRegistrationOrder() {
        EndpointRegistry r = new EndpointRegistry();
        // As the governance API registers them: the bare {proposalId} first.
        Endpoint show = r.get("/gov/p/{proposalId}", AuthPolicy.NO_AUTH).readOnly((ctx, tx) -> null);
        Endpoint actions = r.get("/gov/p/{proposalId}/actions", AuthPolicy.NO_AUTH).readOnly((ctx, tx) -> null);
        Endpoint withdraw = r.post("/gov/p/{proposalId}:withdraw", AuthPolicy.MEMBER_SIGNATURE).readWrite((ctx, tx) -> null);
        Endpoint other = r.get("/gov/p/{proposalId}/{what}", AuthPolicy.NO_AUTH).readOnly((ctx, tx) -> null);
        assertThat(r.find("POST", "/gov/p/abc:withdraw"))
                .isEqualTo(new EndpointRegistry.Found(withdraw, java.util.Map.of("proposalId", "abc")));
        assertThat(r.find("GET", "/gov/p/abc")).isEqualTo(new EndpointRegistry.Found(show, java.util.Map.of("proposalId", "abc")));
        assertThat(r.find("GET", "/gov/p/abc:withdraw")).isEqualTo(new EndpointRegistry.MethodNotAllowed(Set.of("POST")));
        assertThat(r.find("POST", "/gov/p/abc")).isEqualTo(new EndpointRegistry.MethodNotAllowed(Set.of("GET")));
        assertThat(r.find("GET", "/gov/p/abc/actions"))
                .isEqualTo(new EndpointRegistry.Found(actions, java.util.Map.of("proposalId", "abc")));
        assertThat(r.find("GET", "/gov/p/abc/ballots"))
                .isEqualTo(new EndpointRegistry.Found(other, java.util.Map.of("proposalId", "abc", "what", "ballots")));
        assertThat(r.find("POST", "/gov/p/:withdraw")).isEqualTo(new EndpointRegistry.MethodNotAllowed(Set.of("GET")));
    }

    @Test
    void refusesDuplicatesMissingPolicyWrongHandlerAndLateRegistration() {
        EndpointRegistry r = new EndpointRegistry();
        r.get("/app/x", AuthPolicy.NO_AUTH).noStore(ctx -> null);
        assertThatThrownBy(() -> r.get("/app/x", AuthPolicy.NO_AUTH).noStore(ctx -> null))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> r.get("/app/z", null).noStore(ctx -> null)).hasMessageContaining("auth policy");
        assertThatThrownBy(() -> new Endpoint("GET", "/a", AuthPolicy.NO_AUTH, Mode.READ_WRITE, "", java.util.List.of(),
                false, (Handlers.NoStore) ctx -> null)).hasMessageContaining("does not match mode");
        assertThatThrownBy(() -> r.get("relative", AuthPolicy.NO_AUTH).noStore(ctx -> null)).hasMessageContaining("start with");
        r.freeze();
        assertThatThrownBy(() -> r.get("/app/late", AuthPolicy.NO_AUTH).noStore(ctx -> null)).hasMessageContaining("frozen");
    }

    @Test
    void openApiListsOnlyThePrefixWithSecurityModeAndParameters() {
        EndpointRegistry r = new EndpointRegistry();
        r.get("/app/x", AuthPolicy.USER_CERT).summary("read x").query("id", "the id", true).readOnly((ctx, tx) -> null);
        r.post("/app/x", AuthPolicy.MEMBER_CERT).jsonBody().readWrite((ctx, tx) -> null);
        r.get("/node/y", AuthPolicy.NO_AUTH).noStore(ctx -> null);
        ObjectNode doc = r.openApi("/app", "t", "1");
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").has("/node/y")).isFalse();
        assertThat(doc.at("/paths/~1app~1x/get/parameters/0/name").asText()).isEqualTo("id");
        assertThat(doc.at("/paths/~1app~1x/get/security/0").has("user_cert")).isTrue();
        assertThat(doc.at("/paths/~1app~1x/get/x-consort-mode").asText()).isEqualTo("read-only");
        assertThat(doc.at("/paths/~1app~1x/post/security/0").has("member_cert")).isTrue();
        assertThat(doc.at("/paths/~1app~1x/post/responses/200/headers").has("x-consort-transaction-id")).isTrue();
        assertThat(r.openApi("/node", "t", "1").at("/paths/~1node~1y/get/security").size()).isZero();
    }
}
