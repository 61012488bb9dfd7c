package dev.wharf.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.server.auth.Auth;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end: a real receiver on loopback (allowed here by emptying
 * {@code wharf.webhooks.denied-networks}), pushes through the registry API, deliveries through the
 * management API.
 */
class WebhooksIT {

    private static final String SECRET = "a-shared-secret-for-tests";
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.webhooks.denied-networks", "",
                "wharf.webhooks.initial-backoff", "200ms", "wharf.webhooks.max-backoff", "1s"));
        auth = new Auth(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPushArrivesWithinSecondsAsASignedCloudEvent() throws Exception {
        auth.createUser("wendy", "wendy-password-1");
        String wendy = Auth.basic("wendy", "wendy-password-1");
        try (Receiver receiver = Receiver.start()) {
            createWebhook("wendy", wendy, "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"manifest.pushed\"],"
                    + "\"secret\":\"" + SECRET + "\"}");

            byte[] manifest = auth.pushImage("wendy/app", "1", wendy);
            long pushed = System.nanoTime();
            Receiver.Received r = receiver.await(x -> body(x).path("subject").asString().equals("1"), Duration.ofSeconds(15));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pushed);
            System.out.printf("WebhooksIT: push event received %d ms after the manifest PUT answered%n", millis);

            assertThat(r.header("content-type")).isEqualTo("application/cloudevents+json");
            JsonNode event = body(r);
            assertThat(event.path("specversion").asString()).isEqualTo("1.0");
            assertThat(event.path("type").asString()).isEqualTo("dev.wharf.manifest.pushed");
            assertThat(event.path("source").asString()).isEqualTo("/wendy/app");
            assertThat(event.path("id").asString()).matches("[0-9]+");
            JsonNode data = event.path("data");
            assertThat(data.path("repository").asString()).isEqualTo("wendy/app");
            assertThat(data.path("digest").asString()).isEqualTo(Digest.sha256(manifest).toString());
            assertThat(data.path("tags").get(0).asString()).isEqualTo("1");
            assertThat(data.path("actor").path("name").asString()).isEqualTo("wendy");
            assertThat(data.path("actor").path("kind").asString()).isEqualTo("user");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("127.0.0.1");

            assertThat(r.header("webhook-id")).isEqualTo("wharf-" + event.path("id").asString());
            long timestamp = Long.parseLong(r.header("webhook-timestamp"));
            assertThat(Math.abs(System.currentTimeMillis() / 1000 - timestamp)).isLessThan(60);
            assertThat(r.header("webhook-signature"))
                    .isEqualTo("v1," + hmac(SECRET.getBytes(StandardCharsets.UTF_8), r));
        }
    }

    @Test
    void aGeneratedSecretIsShownOnceAndSignsTheStandardWebhooksWay() throws Exception {
        auth.createUser("gwen", "gwen-password-1");
        String gwen = Auth.basic("gwen", "gwen-password-1");
        try (Receiver receiver = Receiver.start()) {
            JsonNode created = createWebhook("gwen", gwen, "{\"url\":\"" + receiver.url("/") + "\"}");
            String secret = created.path("secret").asString();
            assertThat(secret).startsWith("whsec_");
            assertThat(created.path("events").get(0).asString()).isEqualTo("manifest.pushed");
            String id = created.path("id").asString();
            JsonNode listed = auth.apiOk("GET", "/api/v1/namespaces/gwen/webhooks/" + id, gwen, null);
            assertThat(listed.has("secret")).as("never shown again").isFalse();

            auth.apiOk("POST", "/api/v1/namespaces/gwen/webhooks/" + id + "/ping", gwen, null);
            Receiver.Received r = receiver.await(x -> body(x).path("type").asString().equals("dev.wharf.webhook.ping"),
                    Duration.ofSeconds(15));
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            assertThat(r.header("webhook-signature")).isEqualTo("v1," + hmac(key, r));
        }
    }

    @Test
    void anEventForAReceiverThatIsDownArrivesOnceItIsBack() throws Exception {
        auth.createUser("dora", "dora-password-1");
        String dora = Auth.basic("dora", "dora-password-1");
        try (Receiver receiver = Receiver.start()) {
            String id = createWebhook("dora", dora, "{\"url\":\"" + receiver.url("/") + "\"}").path("id").asString();
            receiver.down();
            auth.pushImage("dora/app", "v1", dora);
            String deliveries = "/api/v1/namespaces/dora/webhooks/" + id + "/deliveries";
            JsonNode failing = poll(() -> auth.apiOk("GET", deliveries, dora, null).path("deliveries").get(0),
                    d -> d != null && d.path("attempts").asInt() >= 2, Duration.ofSeconds(20));
            assertThat(failing.path("state").asString()).isEqualTo("pending");
            assertThat(failing.path("lastError").asString()).isNotEmpty();

            receiver.up();
            receiver.await(x -> body(x).path("subject").asString().equals("v1"), Duration.ofSeconds(20));
            JsonNode delivered = poll(() -> auth.apiOk("GET", deliveries, dora, null).path("deliveries").get(0),
                    d -> "delivered".equals(d.path("state").asString()), Duration.ofSeconds(10));
            assertThat(delivered.path("lastStatus").asInt()).isEqualTo(200);
        }
    }

    @Test
    void aWebhookHearsOnlyTheRepositoriesAndTypesItAsksFor() throws Exception {
        auth.createUser("fay", "fay-password-1");
        String fay = Auth.basic("fay", "fay-password-1");
        try (Receiver receiver = Receiver.start()) {
            String id = createWebhook("fay", fay, "{\"url\":\"" + receiver.url("/") + "\",\"repositories\":\"fay/app-*\"}")
                    .path("id").asString();
            auth.pushImage("fay/other", "1", fay);
            auth.pushImage("fay/app-web", "2", fay);
            receiver.await(x -> body(x).path("subject").asString().equals("2"), Duration.ofSeconds(15));
            JsonNode all = auth.apiOk("GET", "/api/v1/namespaces/fay/webhooks/" + id + "/deliveries", fay, null);
            assertThat(all.path("deliveries").size()).isEqualTo(1);
            assertThat(receiver.received()).noneMatch(x -> body(x).path("source").asString().endsWith("/fay/other"));
        }
    }

    @Test
    void unsoundWebhooksAreRefusedWithTheReason() {
        auth.createUser("una", "una-password-1");
        String una = Auth.basic("una", "una-password-1");
        String hooks = "/api/v1/namespaces/una/webhooks";
        assertThat(error(auth.api("POST", hooks, una, "{\"url\":\"ftp://example.com/\"}"))).contains("http or https");
        assertThat(error(auth.api("POST", hooks, una, "{\"url\":\"http://u:p@127.0.0.1/\"}"))).contains("credentials");
        assertThat(error(auth.api("POST", hooks, una, "{\"url\":\"http://127.0.0.1/\",\"events\":[\"nope\"]}")))
                .contains("unknown event type");
        assertThat(error(auth.api("POST", hooks, una, "{\"url\":\"http://127.0.0.1/\",\"repositories\":\"other/*\"}")))
                .contains("within namespace una");
        assertThat(error(auth.api("POST", hooks, una, "{\"url\":\"http://127.0.0.1/\",\"secret\":\"short\"}")))
                .contains("secret has");
        assertThat(auth.api("POST", hooks, una, "{}").statusCode()).isEqualTo(400);
        assertThat(auth.api("GET", hooks + "/wh_nope", una, null).statusCode()).isEqualTo(404);
    }

    private static String error(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(400);
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static JsonNode createWebhook(String namespace, String authorization, String json) {
        HttpResponse<byte[]> r = auth.api("POST", "/api/v1/namespaces/" + namespace + "/webhooks", authorization, json);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return RegistryHttp.json(r);
    }

    static JsonNode body(Receiver.Received r) {
        return RegistryHttp.JSON.readTree(r.body());
    }

    static String hmac(byte[] key, Receiver.Received r) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update((r.header("webhook-id") + "." + r.header("webhook-timestamp") + ".").getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(mac.doFinal(r.body()));
    }

    static <T> T poll(java.util.function.Supplier<T> read, java.util.function.Predicate<T> done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = read.get();
        while (!done.test(last)) {
            assertThat(System.nanoTime()).as("condition not met within " + timeout + "; last: " + last).isLessThan(deadline);
            Thread.sleep(50);
            last = read.get();
        }
        return last;
    }
}
