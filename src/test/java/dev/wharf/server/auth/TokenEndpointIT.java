package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The token endpoint: GET with Basic or anonymous, the OAuth2 POST grants, and what tokens grant. */
class TokenEndpointIT {

    private static RegistryServer server;
    private static Auth auth;
    private static final String ALICE = "alice";
    private static final String ALICE_PASSWORD = "alice-password-1";

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.external-url", "https://registry.example.com/"));
        auth = new Auth(server);
        auth.createUser(ALICE, ALICE_PASSWORD);
        auth.createUser("bob", "bob-password-1");
        auth.createOrganization("team", Auth.basic(ALICE, ALICE_PASSWORD));
        auth.addMember("team", "bob", "reader");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<String> actions(JsonNode claims, String repository) {
        List<String> actions = new ArrayList<>();
        for (JsonNode entry : claims.get("access")) {
            if (entry.get("name").asString().equals(repository)) {
                entry.get("actions").forEach(a -> actions.add(a.asString()));
            }
        }
        return actions;
    }

    @Test
    void getWithBasicGrantsWhatWasAskedWhenAllowed() {
        HttpResponse<byte[]> r = auth.tokenResponse(Auth.basic(ALICE, ALICE_PASSWORD), "repository:alice/app:pull,push");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = RegistryHttp.json(r);
        assertThat(body.get("token").asString()).isEqualTo(body.get("access_token").asString());
        assertThat(body.get("expires_in").asLong()).isEqualTo(300);
        assertThat(body.get("issued_at").asString()).endsWith("Z");
        assertThat(body.has("refresh_token")).isFalse();

        String jwt = body.get("token").asString();
        JsonNode header = Auth.header(jwt);
        assertThat(header.get("alg").asString()).isEqualTo("ES256");
        assertThat(header.get("kid").asString()).isNotBlank();
        JsonNode claims = Auth.claims(jwt);
        assertThat(claims.get("iss").asString()).isEqualTo("wharf");
        assertThat(claims.get("sub").asString()).isEqualTo(ALICE);
        assertThat(claims.get("aud").isArray() ? claims.get("aud").get(0).asString() : claims.get("aud").asString())
                .isEqualTo("wharf");
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(300);
        assertThat(claims.get("nbf").asLong()).isEqualTo(claims.get("iat").asLong());
        assertThat(claims.get("jti").asString()).isNotBlank();
        assertThat(actions(claims, "alice/app")).containsExactly("pull", "push");
        assertThat(claims.get("access").get(0).get("type").asString()).isEqualTo("repository");
    }

    @Test
    void mountChallengeAsksForPullOnTheSourceToo() {
        RegistryHttp http = new RegistryHttp(server.base());
        HttpResponse<byte[]> r = http.post("/v2/alice/app/blobs/uploads/?mount=sha256:" + "a".repeat(64)
                + "&from=team/base", new byte[0]);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("scope=\"repository:alice/app:pull,push repository:team/base:pull\"");
        HttpResponse<byte[]> plain = http.post("/v2/alice/app/blobs/uploads/", new byte[0]);
        assertThat(plain.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("scope=\"repository:alice/app:pull,push\"");
    }

    @Test
    void mountWithATokenLackingTheSourceIsChallengedWhenTheAccountMayPullIt() {
        String alice = Auth.basic(ALICE, ALICE_PASSWORD);
        dev.wharf.oci.Digest blob = auth.pushBlob("team/base", dev.wharf.testing.TestData.random(500), alice);
        String mount = "/v2/alice/mounted/blobs/uploads/?mount=" + blob + "&from=team/base";

        String narrow = "Bearer " + auth.token(alice, "repository:alice/mounted:pull,push");
        HttpResponse<byte[]> challenged = auth.send("POST", mount, narrow, new byte[0]);
        assertThat(challenged.statusCode()).isEqualTo(401);
        assertThat(challenged.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"")
                .contains("scope=\"repository:alice/mounted:pull,push repository:team/base:pull\"");

        String wide = "Bearer " + auth.token(alice, "repository:alice/mounted:pull,push", "repository:team/base:pull");
        assertThat(auth.send("POST", mount, wide, new byte[0]).statusCode()).isEqualTo(201);
    }

    @Test
    void mountFromARepositoryTheAccountCannotPullBecomesAnUploadSession() {
        String bobApp = "/v2/bob/app/blobs/uploads/?mount=sha256:" + "b".repeat(64) + "&from=alice/private";
        String token = "Bearer " + auth.token(Auth.basic("bob", "bob-password-1"), "repository:bob/app:pull,push",
                "repository:alice/private:pull");
        assertThat(auth.send("POST", bobApp, token, new byte[0]).statusCode()).isEqualTo(202);
    }

    @Test
    void grantIsTheIntersectionOfRequestAndPolicyNeverMore() {
        // bob reads team/*, owns bob/*, and has nothing on alice/*
        String jwt = auth.token(Auth.basic("bob", "bob-password-1"), "repository:team/app:pull,push,delete",
                "repository:bob/app:pull", "repository:alice/app:pull,push");
        JsonNode claims = Auth.claims(jwt);
        assertThat(actions(claims, "team/app")).containsExactly("pull");
        assertThat(actions(claims, "bob/app")).as("only what was asked").containsExactly("pull");
        assertThat(actions(claims, "alice/app")).isEmpty();
    }

    @Test
    void anonymousGetsATokenWithNothingOnPrivateRepositoriesAndPullOnPublicOnes() {
        auth.makePublic("alice/public");
        JsonNode claims = Auth.claims(auth.token(null, "repository:alice/public:pull,push",
                "repository:alice/private:pull"));
        assertThat(claims.has("sub")).isFalse();
        assertThat(actions(claims, "alice/public")).containsExactly("pull");
        assertThat(actions(claims, "alice/private")).isEmpty();
    }

    @Test
    void catalogScopeIsGrantedToAuthenticatedPrincipalsOnly() {
        JsonNode user = Auth.claims(auth.token(Auth.basic(ALICE, ALICE_PASSWORD), "registry:catalog:*"));
        assertThat(user.get("access").get(0).get("type").asString()).isEqualTo("registry");
        assertThat(user.get("access").get(0).get("actions").get(0).asString()).isEqualTo("*");
        JsonNode anonymous = Auth.claims(auth.token(null, "registry:catalog:*"));
        assertThat(anonymous.get("access")).isEmpty();
    }

    @Test
    void wrongPasswordIs401Unauthorized() {
        HttpResponse<byte[]> r = auth.tokenResponse(Auth.basic(ALICE, "wrong-password"), "repository:alice/app:pull");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(RegistryHttp.errorCode(r)).isEqualTo("UNAUTHORIZED");
        assertThat(new String(r.body())).doesNotContain("wrong-password");
    }

    @Test
    void badRequestsAre4xxWithSpecCodes() {
        HttpResponse<byte[]> otherService = auth.http.get("/token?service=elsewhere&scope=repository:a/b:pull");
        assertThat(otherService.statusCode()).isEqualTo(400);
        HttpResponse<byte[]> badScope = auth.tokenResponse(null, "repository");
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(badScope)).isEqualTo("UNSUPPORTED");
        HttpResponse<byte[]> badName = auth.tokenResponse(null, "repository:UPPER/case:pull");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(badName)).isEqualTo("NAME_INVALID");
        HttpResponse<byte[]> grant = auth.postToken(Map.of("grant_type", "client_credentials", "service", "wharf"));
        assertThat(grant.statusCode()).isEqualTo(400);
        HttpResponse<byte[]> json = auth.http.post("/token", "{}".getBytes(), "Content-Type", "application/json");
        assertThat(json.statusCode()).isEqualTo(415);
    }

    @Test
    void resourceClassAndHostPortInScopesAreUnderstood() {
        JsonNode claims = Auth.claims(auth.token(Auth.basic(ALICE, ALICE_PASSWORD),
                "repository(plugin):alice/plugin:pull"));
        assertThat(actions(claims, "alice/plugin")).containsExactly("pull");
    }

    @Test
    void passwordGrantWithOfflineAccessReturnsARefreshTokenThatWorks() {
        HttpResponse<byte[]> r = auth.postToken(Map.of("grant_type", "password", "username", ALICE, "password",
                ALICE_PASSWORD, "service", "wharf", "client_id", "docker", "access_type", "offline", "scope", ""));
        RegistryHttp.check(r, 200);
        JsonNode body = RegistryHttp.json(r);
        String refresh = body.get("refresh_token").asString();
        assertThat(refresh).startsWith("wharf_rt_");
        assertThat(body.get("access_token").asString()).isNotBlank();
        assertThat(body.get("scope").asString()).isEmpty();

        HttpResponse<byte[]> refreshed = auth.postToken(Map.of("grant_type", "refresh_token", "refresh_token", refresh,
                "service", "wharf", "client_id", "docker", "scope",
                "repository:alice/app:pull,push repository:team/app:pull"));
        RegistryHttp.check(refreshed, 200);
        JsonNode rb = RegistryHttp.json(refreshed);
        assertThat(rb.get("scope").asString()).isEqualTo("repository:alice/app:pull,push repository:team/app:pull");
        JsonNode claims = Auth.claims(rb.get("access_token").asString());
        assertThat(claims.get("sub").asString()).isEqualTo(ALICE);
        assertThat(actions(claims, "alice/app")).containsExactly("pull", "push");

        HttpResponse<byte[]> forged = auth.postToken(Map.of("grant_type", "refresh_token",
                "refresh_token", refresh.substring(0, refresh.length() - 2) + "xx", "service", "wharf"));
        assertThat(forged.statusCode()).isEqualTo(401);
    }

    @Test
    void getWithOfflineTokenReturnsARefreshToken() {
        HttpResponse<byte[]> r = auth.http.get("/token?service=wharf&offline_token=true&client_id=test",
                "Authorization", Auth.basic(ALICE, ALICE_PASSWORD));
        RegistryHttp.check(r, 200);
        assertThat(RegistryHttp.json(r).get("refresh_token").asString()).startsWith("wharf_rt_");
    }

    @Test
    void passwordChangeEndsRefreshTokensOfThatPassword() {
        auth.createUser("carol", "carol-password-1");
        HttpResponse<byte[]> r = auth.postToken(Map.of("grant_type", "password", "username", "carol", "password",
                "carol-password-1", "service", "wharf", "access_type", "offline"));
        String refresh = RegistryHttp.json(r).get("refresh_token").asString();
        auth.apiOk("PATCH", "/api/v1/users/carol", Auth.basic("carol", "carol-password-1"),
                "{\"currentPassword\":\"carol-password-1\",\"password\":\"carol-password-2\"}");
        HttpResponse<byte[]> after = auth.postToken(Map.of("grant_type", "refresh_token", "refresh_token", refresh,
                "service", "wharf"));
        assertThat(after.statusCode()).isEqualTo(401);
    }

    @Test
    void challengeNamesTheConfiguredExternalUrlAsRealm() {
        HttpResponse<byte[]> r = auth.http.get("/v2/alice/app/tags/list");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).isEqualTo(
                "Bearer realm=\"https://registry.example.com/token\",service=\"wharf\",scope=\"repository:alice/app:pull\"");
        assertThat(RegistryHttp.errorCode(r)).isEqualTo("UNAUTHORIZED");
        assertThat(RegistryHttp.json(r).get("errors").get(0).get("detail").get(0).get("Action").asString()).isEqualTo("pull");
    }

    @Test
    void usersAndOrganizationsShareOneNameSpace() {
        HttpResponse<byte[]> org = auth.api("POST", "/api/v1/orgs", Auth.basic(ALICE, ALICE_PASSWORD), "{\"name\":\"bob\"}");
        assertThat(org.statusCode()).isEqualTo(409);
        HttpResponse<byte[]> user = auth.api("POST", "/api/v1/users", Auth.adminBasic(),
                "{\"name\":\"team\",\"password\":\"long-enough-1\"}");
        assertThat(user.statusCode()).isEqualTo(409);
        HttpResponse<byte[]> bad = auth.api("POST", "/api/v1/users", Auth.adminBasic(), "{\"name\":\"Bad Name\"");
        assertThat(bad.statusCode()).as("malformed JSON is a 400, not a 500").isEqualTo(400);
    }

    @Test
    void jwksPublishesTheSigningKey() {
        String kid = Auth.header(auth.token(null)).get("kid").asString();
        JsonNode jwks = RegistryHttp.json(auth.http.get("/token/jwks"));
        List<String> kids = new ArrayList<>();
        jwks.get("keys").forEach(k -> {
            kids.add(k.get("kid").asString());
            assertThat(k.has("d")).as("never the private part").isFalse();
        });
        assertThat(kids).contains(kid);
    }
}
