package dev.wharf.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.server.auth.Auth;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A crash never loses an event: the packaged server is killed with SIGKILL while a delivery is in
 * flight, and again while one waits for its retry; after each restart the event arrives.
 */
class WebhookCrashIT {

    private static final String PASSWORD = "crash-admin-password";
    private static final String ADMIN = Auth.basic("admin", PASSWORD);

    @TempDir
    Path dataDir;

    @Test
    void eventsSurviveAKillDuringDeliveryAndDuringBackoff() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        try (Receiver receiver = Receiver.start()) {
            receiver.hold();
            ServerProcess first = start(db);
            String webhook;
            try {
                webhook = json(send(first, "POST", "/api/v1/namespaces/admin/webhooks",
                        "{\"url\":\"" + receiver.url("/") + "\",\"secret\":\"crash-test-secret-0001\"}"), 201)
                        .path("id").asString();
                push(first, "admin/app", "1");
                // the delivery is in flight (the receiver holds it): kill the server now
                receiver.await(r -> WebhooksIT.body(r).path("subject").asString().equals("1"), Duration.ofSeconds(20));
            } finally {
                first.crash();
            }
            receiver.release();

            ServerProcess second = start(db);
            try {
                // after the lease of the lost attempt, another replica's (here: the restarted one's) retry
                awaitDelivered(second, webhook, "1", Duration.ofSeconds(60));
                long sameEvent = receiver.received().stream()
                        .filter(r -> WebhooksIT.body(r).path("subject").asString().equals("1"))
                        .map(r -> r.header("webhook-id")).distinct().count();
                assertThat(sameEvent).as("the retry carries the same webhook-id").isEqualTo(1);

                receiver.down();
                push(second, "admin/app", "2");
                // the first attempt fails (connection refused) and waits for its retry: kill now
                awaitAttempted(second, webhook, "2", Duration.ofSeconds(30));
            } finally {
                second.crash();
            }
            receiver.up();
            ServerProcess third = start(db);
            try {
                receiver.await(r -> WebhooksIT.body(r).path("subject").asString().equals("2"), Duration.ofSeconds(60));
                awaitDelivered(third, webhook, "2", Duration.ofSeconds(30));
            } finally {
                third.close();
            }
        }
    }

    private ServerProcess start(TestDatabases.Database db) {
        return ServerProcess.start(List.of("-Xmx256m"), List.of("--wharf.data-dir=" + dataDir,
                "--wharf.auth.admin-password=" + PASSWORD, "--spring.datasource.url=" + db.url(),
                "--spring.datasource.username=" + db.user(), "--spring.datasource.password=" + db.password(),
                "--wharf.webhooks.denied-networks=", "--wharf.webhooks.connect-timeout=1s",
                "--wharf.webhooks.timeout=2s", "--wharf.webhooks.initial-backoff=1s", "--wharf.webhooks.max-backoff=2s"));
    }

    private static void push(ServerProcess server, String repository, String tag) {
        new Auth(server.base()).pushImage(repository, tag, ADMIN);
    }

    private static JsonNode delivery(ServerProcess server, String webhook, String subject) {
        JsonNode deliveries = json(send(server, "GET", "/api/v1/namespaces/admin/webhooks/" + webhook + "/deliveries", null), 200);
        JsonNode audit = json(send(server, "GET", "/api/v1/audit?type=manifest.pushed&n=1000", null), 200);
        List<Long> ids = new ArrayList<>();
        audit.path("events").forEach(e -> {
            if (e.path("target").asString().equals(subject)) {
                ids.add(e.path("id").asLong());
            }
        });
        for (JsonNode d : deliveries.path("deliveries")) {
            if (ids.contains(d.path("eventId").asLong())) {
                return d;
            }
        }
        return null;
    }

    private static void awaitDelivered(ServerProcess server, String webhook, String subject, Duration timeout)
            throws InterruptedException {
        JsonNode d = WebhooksIT.poll(() -> delivery(server, webhook, subject),
                x -> x != null && "delivered".equals(x.path("state").asString()), timeout);
        assertThat(d.path("lastStatus").asInt()).isEqualTo(200);
    }

    private static void awaitAttempted(ServerProcess server, String webhook, String subject, Duration timeout)
            throws InterruptedException {
        JsonNode d = WebhooksIT.poll(() -> delivery(server, webhook, subject),
                x -> x != null && x.path("attempts").asInt() >= 1 && !x.path("lastError").isMissingNode()
                        && !x.path("lastError").isNull(), timeout);
        assertThat(d.path("state").asString()).isEqualTo("pending");
    }

    private static HttpResponse<byte[]> send(ServerProcess server, String method, String path, String json) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path)).header("Authorization", ADMIN)
                    .timeout(Duration.ofSeconds(30));
            if (json != null) {
                b.header("Content-Type", "application/json");
            }
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<byte[]> r, int status) {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        return RegistryHttp.JSON.readTree(r.body());
    }
}
