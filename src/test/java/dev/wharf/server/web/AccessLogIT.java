package dev.wharf.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.nio.file.Path;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The access log and request ids on a real auth-enabled server: one line per request with who,
 * what, how much and how long; ids accepted, made and echoed; secrets left out; the switch; and the
 * structured (JSON) format of the packaged server.
 */
class AccessLogIT {

    private static final String USER_PASSWORD = "access-log-password-1";
    private static RegistryServer server;
    private static RegistryHttp http;
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("logging.level.wharf.access", "info"));
        http = new RegistryHttp(server.base());
        HttpResponse<byte[]> created = http.send(http.request("/api/v1/users")
                .header("Authorization", basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"lena\",\"password\":\"" + USER_PASSWORD + "\"}"))
                .build());
        RegistryHttp.check(created, 201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void capture() {
        lines.start();
        ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(lines);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(lines);
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = http.request(path);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build());
    }

    /** The line of the request with {@code id}: Tomcat writes it just after the answer, so wait for it. */
    private String lineOf(String id) {
        return awaitLine(l -> l.endsWith(" id=" + id));
    }

    private String awaitLine(Predicate<String> which) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : messages()) {
                if (which.test(line)) {
                    return line;
                }
            }
            pause();
        }
        throw new AssertionError("no such access log line in " + messages());
    }

    private List<String> messages() {
        // the appender adds to its list under its own lock (AppenderBase.doAppend is synchronized),
        // not the list's: reading under any other lock races with Tomcat's thread appending
        synchronized (lines) {
            return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue(AccessLog.REQUEST_ID_HEADER).orElseThrow();
    }

    @Test
    void eachRequestIsOneLineWithClientPrincipalRequestStatusBytesDurationAndId() {
        String auth = basic("lena", USER_PASSWORD);
        byte[] blob = TestData.random(3000);
        Digest digest = Digest.sha256(blob);
        HttpResponse<byte[]> started = send("POST", "/v2/lena/logged/blobs/uploads/", new byte[0], "Authorization", auth);
        RegistryHttp.check(started, 202);
        String location = started.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> put = send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                blob, "Authorization", auth, "Content-Type", "application/octet-stream");
        RegistryHttp.check(put, 201);

        String line = lineOf(requestId(put));
        String path = location.contains("?") ? location.substring(0, location.indexOf('?')) : location;
        assertThat(line).matches("127\\.0\\.0\\.1 lena \"PUT \\Q" + path + "?digest=" + digest
                + "\\E\" 201 in=3000 out=0 \\d+\\.\\d{3}ms id=[0-9a-f]{32}");

        HttpResponse<byte[]> get = send("GET", "/v2/lena/logged/blobs/" + digest, null, "Authorization", auth);
        RegistryHttp.check(get, 200);
        assertThat(lineOf(requestId(get))).contains("lena \"GET /v2/lena/logged/blobs/" + digest + "\" 200 in=0 out=3000 ");

        // a large blob is written from its file below the servlet API; its bytes still count
        byte[] large = TestData.random(300_000);
        Digest largeDigest = Digest.sha256(large);
        HttpResponse<byte[]> bigStart = send("POST", "/v2/lena/logged/blobs/uploads/", new byte[0], "Authorization", auth);
        String bigLocation = bigStart.headers().firstValue("Location").orElseThrow();
        RegistryHttp.check(send("PUT", bigLocation + (bigLocation.contains("?") ? "&" : "?") + "digest=" + largeDigest,
                large, "Authorization", auth, "Content-Type", "application/octet-stream"), 201);
        HttpResponse<byte[]> bigGet = send("GET", "/v2/lena/logged/blobs/" + largeDigest, null, "Authorization", auth);
        RegistryHttp.check(bigGet, 200);
        assertThat(lineOf(requestId(bigGet))).contains("\" 200 in=0 out=300000 ");

        HttpResponse<byte[]> anonymous = send("GET", "/v2/lena/logged/tags/list", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(lineOf(requestId(anonymous))).startsWith("127.0.0.1 - \"GET /v2/lena/logged/tags/list\" 401 ");
    }

    @Test
    void theTokenEndpointLogsWhoGotATokenAndRequestsRefusedEarlyAreLoggedToo() {
        HttpResponse<byte[]> token = send("GET", "/token?service=wharf&scope=repository:lena/app:pull", null,
                "Authorization", basic("lena", USER_PASSWORD));
        RegistryHttp.check(token, 200);
        assertThat(lineOf(requestId(token)))
                .contains(" lena \"GET /token?service=wharf&scope=repository:lena/app:pull\" 200 ");

        HttpResponse<byte[]> malformed = send("GET", "/v2/UPPER/case/manifests/v1", null);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(lineOf(requestId(malformed))).contains("\"GET /v2/UPPER/case/manifests/v1\" 400 ");
    }

    @Test
    void aClientsRequestIdIsKeptWhenSafeAndReplacedOtherwiseAndAlwaysEchoed() {
        HttpResponse<byte[]> kept = send("GET", "/v2/", null, "X-Request-Id", "Root=1-5e1b4151-5ac6c58f/ab+c@d");
        assertThat(requestId(kept)).isEqualTo("Root=1-5e1b4151-5ac6c58f/ab+c@d");
        assertThat(lineOf("Root=1-5e1b4151-5ac6c58f/ab+c@d")).contains("\"GET /v2/\" 401");

        for (String unsafe : List.of("a".repeat(AccessLog.MAX_REQUEST_ID_LENGTH + 1), "x\" 200 forged", "<id>", "")) {
            HttpResponse<byte[]> replaced = send("GET", "/v2/", null, "X-Request-Id", unsafe);
            assertThat(requestId(replaced)).as(unsafe).matches("[0-9a-f]{32}");
        }
        HttpResponse<byte[]> made = send("GET", "/v2/", null);
        HttpResponse<byte[]> another = send("GET", "/v2/", null);
        assertThat(requestId(made)).matches("[0-9a-f]{32}").isNotEqualTo(requestId(another));
        assertThat(messages()).noneMatch(l -> l.contains("forged"));
    }

    @Test
    void secretsInTheQueryStringOrHeadersAreNotLogged() {
        String secret = "s3cret-" + System.nanoTime();
        HttpResponse<byte[]> r = send("POST", "/token?grant_type=password&username=lena&password=" + secret
                        + "&refresh_token=" + secret + "&" + secret, new byte[0],
                "Content-Type", "application/x-www-form-urlencoded", "Authorization", basic("lena", secret));
        String line = lineOf(requestId(r));
        assertThat(line).contains("\"POST /token?grant_type=password&username=lena&***&***&***\"");
        assertThat(messages()).noneMatch(l -> l.contains(secret));
    }

    @Test
    void theAccessLogCanBeTurnedOffAndRequestIdsStay() {
        try (RegistryServer quiet = RegistryServer.start(Map.of("logging.level.wharf.access", "info",
                "wharf.access-log.enabled", "false"))) {
            RegistryHttp quietHttp = new RegistryHttp(quiet.base());
            HttpResponse<byte[]> r = quietHttp.send(quietHttp.request("/v2/").header("X-Request-Id", "quiet-1").GET().build());
            assertThat(requestId(r)).isEqualTo("quiet-1");
            // a request to the logging server after it: once its line is there, the quiet one had its chance
            HttpResponse<byte[]> marker = send("GET", "/v2/", null);
            lineOf(requestId(marker));
            assertThat(messages()).noneMatch(l -> l.endsWith("id=quiet-1"));
        }
    }

    @Test
    void withStructuredLoggingEachLineIsJsonAndTheAccessValuesAreFields(@TempDir Path dataDir) {
        TestDatabases.Database db = TestDatabases.create();
        try (ServerProcess json = ServerProcess.start(List.of("-Xmx256m"), List.of("--wharf.data-dir=" + dataDir,
                "--spring.datasource.url=" + db.url(), "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password(),
                "--logging.structured.format.console=ecs", "--wharf.auth.enabled=false"))) {
            RegistryHttp jsonHttp = new RegistryHttp(json.base());
            HttpResponse<byte[]> r = jsonHttp.send(jsonHttp.request("/v2/_catalog?n=1")
                    .header("X-Request-Id", "json-1").GET().build());
            RegistryHttp.check(r, 200);
            JsonNode event = awaitJsonEvent(json, "json-1");
            assertThat(event.get("log").get("logger").asString()).isEqualTo(AccessLog.LOGGER);
            assertThat(event.get("message").asString()).contains("\"GET /v2/_catalog?n=1\" 200");
            assertThat(text(event, "http.request.method")).isEqualTo("GET");
            assertThat(text(event, "url.path")).isEqualTo("/v2/_catalog");
            assertThat(text(event, "url.query")).isEqualTo("n=1");
            assertThat(text(event, "http.response.status_code")).isEqualTo("200");
            assertThat(text(event, "client.address")).isEqualTo("127.0.0.1");
            assertThat(Long.parseLong(text(event, "event.duration"))).isPositive();
            List<String> notJson = new ArrayList<>();
            for (String line : json.log().lines().toList()) {
                if (!line.startsWith("{")) {
                    notJson.add(line);
                }
            }
            // the launcher may print one line before logging starts; everything the server logs is JSON
            assertThat(notJson).hasSizeLessThanOrEqualTo(1);
        }
    }

    private static JsonNode awaitJsonEvent(ServerProcess process, String requestId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : process.log().lines().toList()) {
                if (line.startsWith("{") && line.contains(requestId)) {
                    JsonNode event = RegistryHttp.JSON.readTree(line);
                    if (AccessLog.LOGGER.equals(event.path("log").path("logger").asString(""))) {
                        return event;
                    }
                }
            }
            pause();
        }
        throw new AssertionError("no JSON access event for " + requestId + " in:\n" + process.log());
    }

    /** Between two looks at a log that another thread writes. */
    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A field of an ECS event, whether the formatter nested the dotted name or kept it flat. */
    private static String text(JsonNode event, String dotted) {
        if (event.has(dotted)) {
            return event.get(dotted).asString();
        }
        JsonNode node = event;
        for (String part : dotted.split("\\.")) {
            node = node.path(part);
        }
        assertThat(node.isMissingNode()).as(dotted + " in " + event).isFalse();
        return node.asString();
    }
}
