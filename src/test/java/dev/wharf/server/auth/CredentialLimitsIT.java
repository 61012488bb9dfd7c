package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Caps on credentials (issue 7, hole 9): how long a token or robot secret may live, how many
 * tokens a user and how many robots a namespace may hold.
 */
class CredentialLimitsIT {

    private static final String PASSWORD = "limits-password-1";
    private static final String SCOPES = "\"scopes\":[{\"repositories\":\"judy/**\",\"actions\":[\"pull\"]}]";
    private static final String JUDY = Auth.basic("judy", PASSWORD);
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.auth.max-token-lifetime", "30d",
                "wharf.auth.max-tokens-per-user", "3", "wharf.auth.max-robots-per-namespace", "2"));
        auth = new Auth(server);
        auth.createUser("judy", PASSWORD);
        auth.createUser("karl", PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> post(String path, String authorization, String body) {
        return auth.api("POST", path, authorization, body);
    }

    private static void assertStatus(HttpResponse<byte[]> r, int status, String code, String messagePart) {
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(text).isEqualTo(status);
        JsonNode error = RegistryHttp.json(r).get("errors").get(0);
        assertThat(error.get("code").asString()).isEqualTo(code);
        assertThat(error.get("message").asString()).contains(messagePart);
    }

    @Test
    void tokensAndRobotSecretsLiveNoLongerThanTheCap() {
        String tokens = "/api/v1/users/karl/tokens";
        String karl = Auth.basic("karl", PASSWORD);
        assertStatus(post(tokens, karl, "{\"name\":\"t\"," + SCOPES + ",\"expiresInDays\":31}"), 400, "UNSUPPORTED",
                "wharf.auth.max-token-lifetime");
        assertStatus(post(tokens, karl, "{\"name\":\"t\"," + SCOPES + ",\"expiresAt\":\""
                + Instant.now().plus(Duration.ofDays(31)) + "\"}"), 400, "UNSUPPORTED", "at most 30 days");

        JsonNode capped = RegistryHttp.json(post(tokens, karl, "{\"name\":\"t\"," + SCOPES + "}"));
        Instant expires = Instant.parse(capped.get("expiresAt").asString());
        assertThat(expires).as("no expiry asked: the longest allowed")
                .isBetween(Instant.now().plus(Duration.ofDays(30)).minus(Duration.ofHours(1)),
                        Instant.now().plus(Duration.ofDays(30)));
        auth.apiOk("DELETE", tokens + "/" + capped.get("id").asString(), karl, null);

        String robots = "/api/v1/namespaces/karl/robots";
        assertStatus(post(robots, karl, "{\"name\":\"r\"," + SCOPES.replace("judy", "karl") + ",\"expiresInDays\":40}"),
                400, "UNSUPPORTED", "wharf.auth.max-token-lifetime");
        JsonNode robot = RegistryHttp.json(post(robots, karl, "{\"name\":\"r\"," + SCOPES.replace("judy", "karl") + "}"));
        assertThat(robot.get("secretExpiresAt").isString()).as(robot.toString()).isTrue();
        assertStatus(post(robots + "/r/secret", karl, "{\"expiresInDays\":31}"), 400, "UNSUPPORTED",
                "wharf.auth.max-token-lifetime");
        assertThat(auth.apiOk("POST", robots + "/r/secret", karl, "{\"expiresInDays\":30}").get("secret").asString())
                .startsWith("wharf_rbt_");
        auth.apiOk("DELETE", robots + "/r", karl, null);
    }

    @Test
    void aUserHoldsAtMostTheAllowedNumberOfTokens() {
        String tokens = "/api/v1/users/judy/tokens";
        String first = null;
        for (int i = 0; i < 3; i++) {
            JsonNode t = RegistryHttp.json(post(tokens, JUDY, "{\"name\":\"t" + i + "\"," + SCOPES + "}"));
            first = first == null ? t.get("id").asString() : first;
        }
        assertStatus(post(tokens, JUDY, "{\"name\":\"t3\"," + SCOPES + "}"), 403, "DENIED",
                "wharf.auth.max-tokens-per-user");
        assertStatus(post(tokens, Auth.adminBasic(), "{\"name\":\"t3\"," + SCOPES + "}"), 403, "DENIED",
                "3 access tokens");
        assertThat(auth.apiOk("GET", tokens, JUDY, null).size()).isEqualTo(3);
        auth.apiOk("DELETE", tokens + "/" + first, JUDY, null);
        assertThat(post(tokens, JUDY, "{\"name\":\"t3\"," + SCOPES + "}").statusCode()).isEqualTo(201);
    }

    @Test
    void aNamespaceHoldsAtMostTheAllowedNumberOfRobots() {
        String robots = "/api/v1/namespaces/judy/robots";
        for (String name : new String[] {"a", "b"}) {
            assertThat(post(robots, JUDY, "{\"name\":\"" + name + "\"," + SCOPES + "}").statusCode()).isEqualTo(201);
        }
        assertStatus(post(robots, JUDY, "{\"name\":\"c\"," + SCOPES + "}"), 403, "DENIED",
                "wharf.auth.max-robots-per-namespace");
        assertThat(auth.api("GET", robots + "/c", JUDY, null).statusCode()).isEqualTo(404);
        auth.apiOk("DELETE", robots + "/a", JUDY, null);
        assertThat(post(robots, JUDY, "{\"name\":\"c\"," + SCOPES + "}").statusCode()).isEqualTo(201);
    }
}
