package dev.wharf.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RawHttp;
import dev.wharf.testing.RegistryServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests Tomcat refuses before any Wharf code runs are answered in the spec's error format
 * (JSON, a 4xx), not Tomcat's HTML page; and {@code /error} asked for directly is a 404.
 */
class TomcatErrorsIT {

    private static final URI BASE = RegistryServer.shared().base();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static Stream<Arguments> malformed() {
        String host = "Host: 127.0.0.1\r\nConnection: close\r\n";
        return Stream.of(
                Arguments.of(Named.of("%2F in the path", "GET /v2/a%2Fb/tags/list HTTP/1.1\r\n" + host + "\r\n"), 400),
                Arguments.of(Named.of("%00 in the path", "GET /v2/a%00b/tags/list HTTP/1.1\r\n" + host + "\r\n"), 400),
                Arguments.of(Named.of("backslash in the path", "GET /v2/a\\b/tags/list HTTP/1.1\r\n" + host + "\r\n"), 400),
                Arguments.of(Named.of("headers over 8 KB", "GET /v2/ HTTP/1.1\r\n" + host + "X-Big: " + "a".repeat(9000)
                        + "\r\n\r\n"), 400),
                Arguments.of(Named.of("Content-Length: -1", "POST /v2/a/b/blobs/uploads/ HTTP/1.1\r\n" + host
                        + "Content-Length: -1\r\n\r\n"), 400),
                Arguments.of(Named.of("two Content-Length headers", "POST /v2/a/b/blobs/uploads/ HTTP/1.1\r\n" + host
                        + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"), 400),
                Arguments.of(Named.of("Content-Length not a number", "POST /v2/a/b/blobs/uploads/ HTTP/1.1\r\n" + host
                        + "Content-Length: x\r\n\r\n"), 400),
                Arguments.of(Named.of("control character in a header", "GET /v2/ HTTP/1.1\r\n" + host
                        + "X-A: a\u0001b\r\n\r\n"), 400),
                Arguments.of(Named.of("unknown transfer coding", "POST /v2/a/b/blobs/uploads/ HTTP/1.1\r\n" + host
                        + "Transfer-Encoding: gzip\r\n\r\n"), 501));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void tomcatRefusalsAreSpecJsonErrors(String request, int status) {
        RawHttp.Response response = RawHttp.send(BASE, request.getBytes(StandardCharsets.ISO_8859_1));

        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertSpecError(response.body(), status >= 500 ? "UNKNOWN" : "UNSUPPORTED");
    }

    @Test
    void errorPathRequestedDirectlyIs404InSpecFormat() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(BASE.resolve("/error")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertSpecError(response.body(), "UNSUPPORTED");
    }

    private static void assertSpecError(String body, String code) {
        JsonNode errors = JSON.readTree(body).get("errors");
        assertThat(errors.isArray()).isTrue();
        assertThat(errors.size()).isEqualTo(1);
        assertThat(errors.get(0).get("code").asString()).isEqualTo(code);
        assertThat(errors.get(0).get("message").asString()).isNotBlank().doesNotContain("<", "Exception");
    }
}
