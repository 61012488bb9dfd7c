package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Bad management bodies are a clean 400 with the spec's error body, never a 500 (issue 7, hole 8):
 * control characters in free text, expiries beyond what can be stored.
 */
class ManagementInputIT {

    private static final String PASSWORD = "input-password-1";
    private static final String SCOPES = "\"scopes\":[{\"repositories\":\"ivan/**\",\"actions\":[\"pull\"]}]";
    private static final String IVAN = Auth.basic("ivan", PASSWORD);
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
        auth = new Auth(server);
        auth.createUser("ivan", PASSWORD);
        auth.apiOk("POST", "/api/v1/namespaces/ivan/robots", IVAN, "{\"name\":\"ci\"," + SCOPES + "}");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> badBodies() {
        String tokens = "/api/v1/users/ivan/tokens";
        String robots = "/api/v1/namespaces/ivan/robots";
        String longText = "d".repeat(501);
        return Stream.of(
                Arguments.of("NUL in a token name", "POST", tokens, "{\"name\":\"a\\u0000b\"," + SCOPES + "}"),
                Arguments.of("newline in a token name", "POST", tokens, "{\"name\":\"a\\nFAKE LOG LINE\"," + SCOPES + "}"),
                Arguments.of("DEL in a token name", "POST", tokens, "{\"name\":\"a\\u007f\"," + SCOPES + "}"),
                Arguments.of("C1 control in a token name", "POST", tokens, "{\"name\":\"a\\u0085\"," + SCOPES + "}"),
                Arguments.of("half a surrogate pair", "POST", tokens, "{\"name\":\"a\\ud800b\"," + SCOPES + "}"),
                Arguments.of("a token name too long", "POST", tokens, "{\"name\":\"" + "n".repeat(101) + "\"," + SCOPES + "}"),
                Arguments.of("NUL in a robot description", "POST", robots,
                        "{\"name\":\"r1\",\"description\":\"x\\u0000\"," + SCOPES + "}"),
                Arguments.of("line separator in a robot description", "POST", robots,
                        "{\"name\":\"r2\",\"description\":\"x\\u2028y\"," + SCOPES + "}"),
                Arguments.of("NUL in a changed robot description", "PATCH", robots + "/ci", "{\"description\":\"\\u0000\"}"),
                Arguments.of("a robot description too long", "PATCH", robots + "/ci", "{\"description\":\"" + longText + "\"}"),
                Arguments.of("a token expiring after year 9999", "POST", tokens,
                        "{\"name\":\"t\"," + SCOPES + ",\"expiresAt\":\"+10000-01-01T00:00:00Z\"}"),
                Arguments.of("a token expiring at the end of Instant", "POST", tokens,
                        "{\"name\":\"t\"," + SCOPES + ",\"expiresAt\":\"+1000000000-12-31T23:59:59Z\"}"),
                Arguments.of("a robot expiring after year 9999", "POST", robots,
                        "{\"name\":\"r3\"," + SCOPES + ",\"expiresAt\":\"+275760-09-13T00:00:00Z\"}"),
                Arguments.of("a secret rotated to after year 9999", "POST", robots + "/ci/secret",
                        "{\"expiresAt\":\"+10000-01-01T00:00:00Z\"}"),
                Arguments.of("expiresInDays beyond an int", "POST", tokens,
                        "{\"name\":\"t\"," + SCOPES + ",\"expiresInDays\":99999999999}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void isACleanBadRequest(String what, String method, String path, String body) {
        HttpResponse<byte[]> r = auth.api(method, path, IVAN, body);
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(text).isEqualTo(400);
        JsonNode error = RegistryHttp.json(r).get("errors").get(0);
        assertThat(error.get("code").asString()).as(text).isEqualTo("UNSUPPORTED");
        assertThat(error.get("message").asString()).as(text).isNotBlank().doesNotContain("\u0000");
    }

    @Test
    void refusedBodiesLeaveNothingBehind() {
        for (Arguments a : badBodies().toList()) {
            Object[] args = a.get();
            auth.api((String) args[1], (String) args[2], IVAN, (String) args[3]);
        }
        assertThat(auth.apiOk("GET", "/api/v1/users/ivan/tokens", IVAN, null).size()).isZero();
        JsonNode robots = auth.apiOk("GET", "/api/v1/namespaces/ivan/robots", IVAN, null);
        assertThat(robots.size()).isEqualTo(1);
        assertThat(robots.get(0).has("description")).as(robots.toString()).isFalse();
    }

    @Test
    void byDefaultATokenLivesAtMostAYear() {
        HttpResponse<byte[]> r = auth.api("POST", "/api/v1/users/ivan/tokens", IVAN,
                "{\"name\":\"t\"," + SCOPES + ",\"expiresInDays\":366}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.json(r).get("errors").get(0).get("message").asString()).contains("365 days");
        JsonNode token = auth.apiOk("POST", "/api/v1/users/ivan/tokens", IVAN,
                "{\"name\":\"t\"," + SCOPES + ",\"expiresInDays\":365}");
        auth.apiOk("DELETE", "/api/v1/users/ivan/tokens/" + token.get("id").asString(), IVAN, null);
    }

    @Test
    void printableUnicodeIsFine() {
        JsonNode token = auth.apiOk("POST", "/api/v1/users/ivan/tokens", IVAN,
                "{\"name\":\"laptop \\ud83d\\ude80 caf\\u00e9\"," + SCOPES + ",\"expiresInDays\":1}");
        assertThat(token.get("name").asString()).isEqualTo("laptop \uD83D\uDE80 café");
        auth.apiOk("DELETE", "/api/v1/users/ivan/tokens/" + token.get("id").asString(), IVAN, null);
    }
}
