package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Personal access tokens, robot accounts, public repositories, the filtered catalog, and secrets
 * kept out of logs, error bodies and metrics, on a real auth-enabled server.
 */
class CredentialsIT {

    private static final String PASSWORD = "credentials-password-1";
    private static final TestClock clock = new TestClock();
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        // a tiny credential cache, so revocations are seen at once; the access log on, so that
        // what it writes is checked for secrets too
        server = RegistryServer.start(TestDatabases.create(),
                RegistryServer.withAuth(Map.of("wharf.auth.credential-cache-ttl", "0s",
                        "logging.level.wharf.access", "info")), clock.initializer());
        auth = new Auth(server);
        auth.createUser("dana", PASSWORD);
        auth.createUser("eve", PASSWORD);
        auth.createOrganization("ci", Auth.basic("dana", PASSWORD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static int status(String method, String path, String authorization) {
        return auth.send(method, path, authorization, method.equals("POST") ? new byte[0] : null).statusCode();
    }

    // ---- personal access tokens ------------------------------------------------------------------

    @Test
    void personalAccessTokenIsShownOnceIdentifiableByPrefixAndStoredHashed() {
        JsonNode created = auth.apiOk("POST", "/api/v1/users/dana/tokens", Auth.basic("dana", PASSWORD),
                "{\"name\":\"laptop\",\"scopes\":[{\"repositories\":\"dana/**\",\"actions\":[\"pull\",\"push\"]}],"
                        + "\"expiresInDays\":30}");
        String token = created.get("token").asString();
        String id = created.get("id").asString();
        assertThat(token).startsWith("wharf_pat_" + id + "_");
        assertThat(created.get("expiresAt").asString()).isNotBlank();

        JsonNode listed = auth.apiOk("GET", "/api/v1/users/dana/tokens", Auth.basic("dana", PASSWORD), null);
        assertThat(listed.toString()).contains(id).doesNotContain(token.substring(token.lastIndexOf('_') + 1));
        assertThat(listed.get(0).has("token")).isFalse();
    }

    @Test
    void personalAccessTokenWorksAsDockerLoginPasswordWithinItsScopesAndRecordsItsLastUse() {
        String pat = auth.createPat("dana", PASSWORD,
                "[{\"repositories\":\"dana/app\",\"actions\":[\"pull\",\"push\"]}]", null);
        String basic = Auth.basic("dana", pat);
        auth.pushImage("dana/app", "v1", basic);
        assertThat(status("GET", "/v2/dana/app/manifests/v1", basic)).isEqualTo(200);
        assertThat(status("POST", "/v2/dana/other/blobs/uploads/", basic)).as("outside its scopes").isEqualTo(403);
        assertThat(status("DELETE", "/v2/dana/app/manifests/v1", basic)).as("delete not in its scopes").isEqualTo(403);
        // through the token flow too: the token grants no more than the PAT
        JsonNode claims = Auth.claims(auth.token(basic, "repository:dana/app:pull,push,delete",
                "repository:dana/other:pull"));
        assertThat(claims.get("access").toString()).contains("dana/app").doesNotContain("delete");
        assertThat(claims.get("access").get(1).get("actions")).isEmpty();

        JsonNode listed = auth.apiOk("GET", "/api/v1/users/dana/tokens", Auth.basic("dana", PASSWORD), null);
        boolean used = false;
        for (JsonNode t : listed) {
            used |= pat.contains(t.get("id").asString()) && !t.get("lastUsedAt").isNull();
        }
        assertThat(used).as("lastUsedAt is recorded").isTrue();
    }

    @Test
    void personalAccessTokenWithTheWrongUserOrAfterDeletionOrExpiryIsRefused() {
        String pat = auth.createPat("dana", PASSWORD, "[{\"repositories\":\"**\",\"actions\":[\"pull\"]}]", null);
        assertThat(status("GET", "/v2/", Auth.basic("eve", pat))).as("another user's name").isEqualTo(401);
        String id = pat.split("_")[2];
        auth.apiOk("DELETE", "/api/v1/users/dana/tokens/" + id, Auth.basic("dana", PASSWORD), null);
        assertThat(status("GET", "/v2/", Auth.basic("dana", pat))).as("deleted").isEqualTo(401);

        HttpResponse<byte[]> past = auth.api("POST", "/api/v1/users/dana/tokens", Auth.basic("dana", PASSWORD),
                "{\"name\":\"x\",\"scopes\":[{\"repositories\":\"**\",\"actions\":[\"pull\"]}],"
                        + "\"expiresAt\":\"2001-01-01T00:00:00Z\"}");
        assertThat(past.statusCode()).isEqualTo(400);
        String soon = auth.createPat("dana", PASSWORD, "[{\"repositories\":\"**\",\"actions\":[\"pull\"]}]",
                "\"expiresAt\":\"" + clock.instant().plusSeconds(2) + "\"");
        assertThat(status("GET", "/v2/", Auth.basic("dana", soon))).isEqualTo(200);
        clock.advance(Duration.ofMillis(2500));
        assertThat(status("GET", "/v2/", Auth.basic("dana", soon))).as("expired").isEqualTo(401);
    }

    @Test
    void aTokenCannotMakeCredentials() {
        String pat = auth.createPat("dana", PASSWORD, "[{\"repositories\":\"**\",\"actions\":[\"pull\"]}]",
                "\"api\":true");
        assertThat(auth.api("GET", "/api/v1/user", Auth.basic("dana", pat), null).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> r = auth.api("POST", "/api/v1/users/dana/tokens", Auth.basic("dana", pat),
                "{\"name\":\"wider\",\"scopes\":[{\"repositories\":\"**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]}");
        assertThat(r.statusCode()).isEqualTo(403);
        String noApi = auth.createPat("dana", PASSWORD, "[{\"repositories\":\"**\",\"actions\":[\"pull\"]}]", null);
        assertThat(auth.api("GET", "/api/v1/user", Auth.basic("dana", noApi), null).statusCode()).isEqualTo(403);
    }

    // ---- robots -----------------------------------------------------------------------------------

    @Test
    void robotIsLimitedToItsPatternsAndActionsAndCannotUseTheManagementApi() {
        String secret = auth.createRobot("ci", "builder",
                "[{\"repositories\":\"ci/app-*\",\"actions\":[\"pull\",\"push\"]}]", null);
        assertThat(secret).startsWith("wharf_rbt_");
        String basic = Auth.basic("ci+builder", secret);
        auth.pushImage("ci/app-web", "v1", basic);
        assertThat(status("POST", "/v2/ci/tools/blobs/uploads/", basic)).isEqualTo(403);
        assertThat(status("DELETE", "/v2/ci/app-web/manifests/v1", basic)).isEqualTo(403);
        assertThat(status("GET", "/v2/ci/app-web/manifests/v1", basic)).isEqualTo(200);
        assertThat(auth.api("GET", "/api/v1/user", basic, null).statusCode()).isEqualTo(403);
        // patterns must stay inside the robot's namespace
        HttpResponse<byte[]> outside = auth.api("POST", "/api/v1/namespaces/ci/robots", Auth.adminBasic(),
                "{\"name\":\"escape\",\"scopes\":[{\"repositories\":\"dana/*\",\"actions\":[\"pull\"]}]}");
        assertThat(outside.statusCode()).isEqualTo(400);
    }

    @Test
    void robotSecretRotationEndsTheOldSecretAndItsRefreshTokens() {
        String old = auth.createRobot("ci", "rotating", "[{\"repositories\":\"ci/**\",\"actions\":[\"pull\"]}]", null);
        HttpResponse<byte[]> r = auth.postToken(Map.of("grant_type", "password", "username", "ci+rotating",
                "password", old, "service", "wharf", "access_type", "offline"));
        String refresh = RegistryHttp.json(r).get("refresh_token").asString();
        JsonNode rotated = auth.apiOk("POST", "/api/v1/namespaces/ci/robots/rotating/secret", Auth.basic("dana", PASSWORD),
                "{\"expiresInDays\":90}");
        String fresh = rotated.get("secret").asString();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(status("GET", "/v2/", Auth.basic("ci+rotating", old))).isEqualTo(401);
        assertThat(status("GET", "/v2/", Auth.basic("ci+rotating", fresh))).isEqualTo(200);
        assertThat(auth.postToken(Map.of("grant_type", "refresh_token", "refresh_token", refresh, "service", "wharf"))
                .statusCode()).isEqualTo(401);
    }

    @Test
    void expiredRobotSecretIsRefused() {
        String secret = auth.createRobot("ci", "shortlived", "[{\"repositories\":\"ci/**\",\"actions\":[\"pull\"]}]",
                "\"expiresAt\":\"" + clock.instant().plusSeconds(2) + "\"");
        assertThat(status("GET", "/v2/", Auth.basic("ci+shortlived", secret))).isEqualTo(200);
        clock.advance(Duration.ofMillis(2500));
        assertThat(status("GET", "/v2/", Auth.basic("ci+shortlived", secret))).isEqualTo(401);
    }

    // ---- visibility, catalog, mounts --------------------------------------------------------------

    @Test
    void publicRepositoryAllowsAnonymousPullButNotPushAndPrivateOnesNothing() {
        auth.pushImage("dana/shared", "v1", Auth.basic("dana", PASSWORD));
        auth.pushImage("dana/hidden", "v1", Auth.basic("dana", PASSWORD));
        assertThat(auth.apiOk("GET", "/api/v1/repositories/dana/shared", Auth.basic("dana", PASSWORD), null)
                .get("visibility").asString()).isEqualTo("private");
        assertThat(auth.api("PATCH", "/api/v1/repositories/dana/shared", Auth.basic("eve", PASSWORD),
                "{\"visibility\":\"public\"}").statusCode()).as("only the owner").isEqualTo(403);
        auth.apiOk("PATCH", "/api/v1/repositories/dana/shared", Auth.basic("dana", PASSWORD), "{\"visibility\":\"public\"}");

        assertThat(status("GET", "/v2/dana/shared/manifests/v1", null)).isEqualTo(200);
        assertThat(status("GET", "/v2/dana/shared/manifests/v1", Auth.basic("eve", PASSWORD))).isEqualTo(200);
        assertThat(status("POST", "/v2/dana/shared/blobs/uploads/", null)).isEqualTo(401);
        assertThat(status("POST", "/v2/dana/shared/blobs/uploads/", Auth.basic("eve", PASSWORD))).isEqualTo(403);
        assertThat(status("GET", "/v2/dana/hidden/manifests/v1", null)).isEqualTo(401);
        assertThat(status("GET", "/v2/dana/hidden/manifests/v1", Auth.basic("eve", PASSWORD))).isEqualTo(403);
        assertThat(status("GET", "/v2/dana/never-pushed/manifests/v1", null)).as("no existence leak").isEqualTo(401);

        auth.apiOk("PATCH", "/api/v1/repositories/dana/prepared", Auth.basic("dana", PASSWORD),
                "{\"visibility\":\"public\"}");
        auth.pushImage("dana/prepared", "v1", Auth.basic("dana", PASSWORD));
        assertThat(status("GET", "/v2/dana/prepared/manifests/v1", null)).as("set before the first push").isEqualTo(200);
    }

    @Test
    void catalogListsOnlyWhatThePrincipalMayPull() {
        auth.pushImage("dana/cat-a", "v1", Auth.basic("dana", PASSWORD));
        auth.pushImage("eve/cat-b", "v1", Auth.basic("eve", PASSWORD));
        auth.apiOk("PATCH", "/api/v1/repositories/eve/cat-public", Auth.basic("eve", PASSWORD), "{\"visibility\":\"public\"}");
        auth.pushImage("eve/cat-public", "v1", Auth.basic("eve", PASSWORD));

        List<String> seenByDana = catalog(Auth.basic("dana", PASSWORD));
        assertThat(seenByDana).contains("dana/cat-a", "eve/cat-public").doesNotContain("eve/cat-b");
        List<String> withToken = catalog(Auth.bearer(auth.token(Auth.basic("dana", PASSWORD), "registry:catalog:*")));
        assertThat(withToken).isEqualTo(seenByDana);
        assertThat(catalog(Auth.adminBasic())).contains("dana/cat-a", "eve/cat-b", "eve/cat-public");
        assertThat(status("GET", "/v2/_catalog", null)).isEqualTo(401);

        // pagination fills pages from the names a principal may see
        List<String> paged = new ArrayList<>();
        String next = "/v2/_catalog?n=1";
        while (next != null) {
            HttpResponse<byte[]> page = auth.send("GET", next, Auth.basic("dana", PASSWORD), null);
            RegistryHttp.json(page).get("repositories").forEach(n -> paged.add(n.asString()));
            next = dev.wharf.testing.Responses.nextLink(page);
        }
        assertThat(paged).isEqualTo(seenByDana);
    }

    private static List<String> catalog(String authorization) {
        HttpResponse<byte[]> r = auth.send("GET", "/v2/_catalog", authorization, null);
        RegistryHttp.check(r, 200);
        List<String> names = new ArrayList<>();
        RegistryHttp.json(r).get("repositories").forEach(n -> names.add(n.asString()));
        return names;
    }

    @Test
    void mountNeedsPullOnTheSourceOtherwiseASessionStarts() {
        Digest digest = auth.pushBlob("dana/mount-src", TestData.random(200), Auth.basic("dana", PASSWORD));
        HttpResponse<byte[]> denied = auth.send("POST", "/v2/eve/mount-dst/blobs/uploads/?mount=" + digest
                + "&from=dana/mount-src", Auth.basic("eve", PASSWORD), new byte[0]);
        assertThat(denied.statusCode()).as("not mounted: a session instead").isEqualTo(202);
        assertThat(auth.send("HEAD", "/v2/eve/mount-dst/blobs/" + digest, Auth.basic("eve", PASSWORD), null)
                .statusCode()).isEqualTo(404);
        HttpResponse<byte[]> mounted = auth.send("POST", "/v2/dana/mount-dst/blobs/uploads/?mount=" + digest
                + "&from=dana/mount-src", Auth.basic("dana", PASSWORD), new byte[0]);
        assertThat(mounted.statusCode()).isEqualTo(201);
    }

    // ---- secrets stay secret ----------------------------------------------------------------------

    @Test
    void secretsNeverAppearInLogsErrorBodiesOrMetrics() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        try {
            String pat = auth.createPat("dana", PASSWORD, "[{\"repositories\":\"**\",\"actions\":[\"pull\"]}]", null);
            String robot = auth.createRobot("ci", "quiet", "[{\"repositories\":\"ci/**\",\"actions\":[\"pull\"]}]", null);
            String wrongPassword = "Wr0ng-" + System.nanoTime();
            String refresh = RegistryHttp.json(auth.postToken(Map.of("grant_type", "password", "username", "dana",
                    "password", PASSWORD, "access_type", "offline"))).get("refresh_token").asString();
            String token = auth.token(Auth.basic("dana", pat), "repository:dana/app:pull");
            secrets.addAll(List.of(pat, robot, PASSWORD, wrongPassword, refresh, token));

            for (String secret : List.of(pat, robot, wrongPassword, refresh + "x")) {
                bodies.add(body(auth.send("GET", "/v2/", Auth.basic("dana", secret), null)));
                bodies.add(body(auth.tokenResponse(Auth.basic("ci+quiet", secret), "repository:ci/a:pull")));
                bodies.add(body(auth.postToken(Map.of("grant_type", "password", "username", "dana", "password", secret))));
                bodies.add(body(auth.postToken(Map.of("grant_type", "refresh_token", "refresh_token", secret))));
                bodies.add(body(auth.send("GET", "/v2/", Auth.bearer(secret), null)));
            }
            bodies.add(body(auth.send("GET", "/v2/", Auth.bearer(token + "tampered"), null)));
            // secrets in a query string, where a careless client may put them
            for (String plain : List.of(PASSWORD, wrongPassword, refresh)) {
                String secret = java.net.URLEncoder.encode(plain, StandardCharsets.UTF_8);
                bodies.add(body(auth.send("POST", "/token?grant_type=password&username=dana&password=" + secret
                        + "&refresh_token=" + secret, null, new byte[0], "Content-Type", "application/x-www-form-urlencoded")));
                bodies.add(body(auth.send("GET", "/v2/_catalog?password=" + secret + "&access_token=" + secret,
                        Auth.basic("dana", PASSWORD), null)));
            }
            bodies.add(body(auth.http.get("/actuator/prometheus")));
            // access log lines are written just after each answer: wait for the last request's
            awaitLogged(captured, "\"GET /actuator/prometheus\" 200");
        } finally {
            root.detachAppender(captured);
        }
        StringBuilder logs = new StringBuilder();
        List<ILoggingEvent> events;
        synchronized (captured) {
            events = new ArrayList<>(captured.list);
        }
        for (ILoggingEvent e : events) {
            logs.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                logs.append(e.getThrowableProxy().getMessage()).append('\n');
            }
        }
        assertThat(logs).as("something was logged").contains("failed login").contains("\"POST /token?grant_type=password");
        for (String secret : secrets) {
            assertThat(logs.toString()).doesNotContain(secret);
            for (String body : bodies) {
                assertThat(body).doesNotContain(secret);
            }
        }
    }

    private static void awaitLogged(ListAppender<ILoggingEvent> captured, String text) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            // the appender adds to its list while holding its own lock (AppenderBase.doAppend)
            synchronized (captured) {
                if (captured.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text))) {
                    return;
                }
            }
            try {
                Thread.sleep(20); // polling for the access log line, written after the answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("never logged: " + text);
    }

    private static String body(HttpResponse<byte[]> r) {
        return r.headers().map() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }
}
