package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A personal access token with {@code "api": true} is bounded by its scopes in {@code /api/v1}
 * too (issue 7, hole 5). The first three tests are the reproduced escalations: a token of
 * {@code alice}, owner of {@code acme}, scoped to {@code alice/**:pull}, made {@code acme/secret}
 * public, added an owner to {@code acme} and widened a robot to {@code acme/**}.
 */
class ApiTokenScopesIT {

    private static final String PASSWORD = "api-scopes-password-1";
    private static final String ALICE = Auth.basic("alice", PASSWORD);
    private static RegistryServer server;
    private static Auth auth;
    /** alice's API token scoped to her own namespace, pull only. */
    private static String narrow;
    /** alice's API token with everything in acme. */
    private static String acmeWide;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.auth.credential-cache-ttl", "0s"));
        auth = new Auth(server);
        auth.createUser("alice", PASSWORD);
        auth.createUser("mallory", PASSWORD);
        auth.createOrganization("acme", ALICE);
        auth.pushImage("acme/secret", "v1", ALICE);
        auth.createRobot("acme", "ci", "[{\"repositories\":\"acme/app\",\"actions\":[\"pull\"]}]", null);
        narrow = Auth.basic("alice", auth.createPat("alice", PASSWORD,
                "[{\"repositories\":\"alice/**\",\"actions\":[\"pull\"]}]", "\"api\":true"));
        acmeWide = Auth.basic("alice", auth.createPat("alice", PASSWORD,
                "[{\"repositories\":\"acme/**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]", "\"api\":true"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertDenied(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
    }

    @Test
    void aTokenForAnotherNamespaceCannotMakeARepositoryPublic() {
        assertDenied(auth.api("PATCH", "/api/v1/repositories/acme/secret", narrow, "{\"visibility\":\"public\"}"));
        assertThat(auth.send("GET", "/v2/acme/secret/tags/list", null, null).statusCode()).as("still private")
                .isEqualTo(401);
        assertThat(auth.apiOk("GET", "/api/v1/repositories/acme/secret", ALICE, null).get("visibility").asString())
                .isEqualTo("private");
        assertDenied(auth.api("GET", "/api/v1/repositories/acme/secret", narrow, null));
    }

    @Test
    void aTokenForAnotherNamespaceCannotAddAnOwner() {
        assertDenied(auth.api("PUT", "/api/v1/orgs/acme/members/mallory", narrow, "{\"role\":\"owner\"}"));
        assertThat(auth.apiOk("GET", "/api/v1/orgs/acme/members", ALICE, null).toString()).doesNotContain("mallory");
        assertDenied(auth.api("GET", "/api/v1/orgs/acme/members", narrow, null));
        assertThat(auth.apiOk("GET", "/api/v1/orgs", narrow, null).toString()).as("acme is outside its scopes")
                .doesNotContain("acme");
    }

    @Test
    void noTokenWidensARobotEvenOneCoveringTheNamespace() {
        String widened = "{\"scopes\":[{\"repositories\":\"acme/**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]}";
        assertDenied(auth.api("PATCH", "/api/v1/namespaces/acme/robots/ci", narrow, widened));
        HttpResponse<byte[]> wide = auth.api("PATCH", "/api/v1/namespaces/acme/robots/ci", acmeWide, widened);
        assertDenied(wide);
        assertThat(RegistryHttp.json(wide).toString()).contains("password");
        assertThat(auth.apiOk("GET", "/api/v1/namespaces/acme/robots/ci", ALICE, null).get("scopes").toString())
                .isEqualTo("[{\"repositories\":\"acme/app\",\"actions\":[\"pull\"]}]");
        // a token covering the namespace may still change what does not widen anything
        assertThat(auth.apiOk("PATCH", "/api/v1/namespaces/acme/robots/ci", acmeWide, "{\"description\":\"d\"}")
                .get("description").asString()).isEqualTo("d");
        assertDenied(auth.api("PATCH", "/api/v1/namespaces/acme/robots/ci", narrow, "{\"description\":\"x\"}"));
    }

    @Test
    void noTokenCreatesARobotOrTokenBeyondItself() {
        String robot = "{\"name\":\"wide\",\"scopes\":[{\"repositories\":\"acme/**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]}";
        assertDenied(auth.api("POST", "/api/v1/namespaces/acme/robots", narrow, robot));
        assertDenied(auth.api("POST", "/api/v1/namespaces/acme/robots", acmeWide, robot));
        assertThat(auth.api("GET", "/api/v1/namespaces/acme/robots/wide", ALICE, null).statusCode()).isEqualTo(404);
        assertDenied(auth.api("POST", "/api/v1/users/alice/tokens", narrow,
                "{\"name\":\"wider\",\"scopes\":[{\"repositories\":\"**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]}"));
        assertDenied(auth.api("POST", "/api/v1/namespaces/acme/robots/ci/secret", acmeWide, null));
    }

    @Test
    void aTokenCreatesOnlyOrganizationsItsScopesCover() {
        assertDenied(auth.api("POST", "/api/v1/orgs", narrow, "{\"name\":\"initech\"}"));
        assertThat(auth.api("GET", "/api/v1/orgs/initech", Auth.adminBasic(), null).statusCode()).isEqualTo(404);
        String everything = Auth.basic("alice", auth.createPat("alice", PASSWORD,
                "[{\"repositories\":\"**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]", "\"api\":true"));
        assertThat(auth.api("POST", "/api/v1/orgs", everything, "{\"name\":\"initech\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void theScopesOfATokenMapOntoManagementCalls() {
        // full rights on one repository: its visibility, nothing namespace-wide
        String oneRepo = Auth.basic("alice", auth.createPat("alice", PASSWORD,
                "[{\"repositories\":\"acme/tool\",\"actions\":[\"pull\",\"push\",\"delete\"]}]", "\"api\":true"));
        auth.apiOk("PATCH", "/api/v1/repositories/acme/tool", oneRepo, "{\"visibility\":\"public\"}");
        assertDenied(auth.api("PATCH", "/api/v1/repositories/acme/secret", oneRepo, "{\"visibility\":\"public\"}"));
        assertDenied(auth.api("PUT", "/api/v1/orgs/acme/members/mallory", oneRepo, "{\"role\":\"reader\"}"));
        // pull over the whole namespace reads it, but changes nothing
        String reader = Auth.basic("alice", auth.createPat("alice", PASSWORD,
                "[{\"repositories\":\"acme/**\",\"actions\":[\"pull\"]}]", "\"api\":true"));
        assertThat(auth.apiOk("GET", "/api/v1/orgs/acme/members", reader, null).toString()).contains("alice");
        assertThat(auth.apiOk("GET", "/api/v1/namespaces/acme/robots", reader, null).toString()).contains("acme+ci");
        assertDenied(auth.api("PUT", "/api/v1/orgs/acme/members/mallory", reader, "{\"role\":\"reader\"}"));
        assertDenied(auth.api("DELETE", "/api/v1/orgs/acme", reader, null));
        assertDenied(auth.api("PATCH", "/api/v1/repositories/acme/tool", reader, "{\"visibility\":\"private\"}"));
        // everything in the namespace: members too (the token's user owns acme)
        auth.apiOk("PUT", "/api/v1/orgs/acme/members/mallory", acmeWide, "{\"role\":\"reader\"}");
        auth.apiOk("DELETE", "/api/v1/orgs/acme/members/mallory", acmeWide, null);
    }
}
