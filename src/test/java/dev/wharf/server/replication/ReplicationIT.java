package dev.wharf.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.PushOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TestContent;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.server.auth.Auth;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Replication between real registries: from a Wharf with auth to a second Wharf (token auth, the
 * referrers API) and to Debian's docker-registry (no referrers API; stopped and started again to
 * show retries), both directions, through the admin API.
 */
class ReplicationIT {

    private static RegistryServer source;
    private static RegistryServer target;
    private static ReferenceRegistry reference;
    private static Auth api;
    private static final Credentials ADMIN = new Credentials.Basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        reference = ReferenceRegistry.start();
        target = RegistryServer.startWithAuth(Map.of());
        source = RegistryServer.startWithAuth(Map.of("wharf.replication.initial-backoff", "300ms",
                "wharf.replication.max-backoff", "1s", "wharf.replication.poll-interval", "200ms"));
        api = new Auth(source);
        api.apiOk("POST", "/api/v1/orgs", Auth.adminBasic(), "{\"name\":\"acme\"}");
        new Auth(target).apiOk("POST", "/api/v1/orgs", Auth.adminBasic(), "{\"name\":\"dr\"}");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {source, target, reference}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the rest still closes
            }
        }
    }

    private static RegistryClient client() {
        return new RegistryClient(ClientOptions.defaults(), h -> ADMIN, TransferListener.NONE);
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static boolean has(RegistryClient client, String reference) {
        try {
            client.resolve(ImageReference.parse(reference));
            return true;
        } catch (RegistryException.NotFound e) {
            return false;
        }
    }

    private static String rule(String name, String repositories, String url, boolean credentials, String extra) {
        String target = "{\"url\":\"" + url + "\"" + (credentials ? ",\"username\":\"" + RegistryServer.ADMIN
                + "\",\"password\":\"" + RegistryServer.ADMIN_PASSWORD + "\"" : "") + "}";
        return "{\"name\":\"" + name + "\",\"repositories\":\"" + repositories + "\",\"target\":" + target
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void aPushedMultiPlatformImageWithASignatureIsOnTheTargetWithinSeconds() {
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(),
                rule("to-dr", "acme/multi-*", target.base().toString(), true, "\"targetPrefix\":\"dr/\""));
        TestContent.Image amd = TestContent.image("linux", "amd64", 2, 50_000);
        TestContent.Image arm = TestContent.image("linux", "arm64", 2, 50_000);
        TestContent.Blob index = TestContent.index(List.of(amd, arm));
        TestContent.Image signature = TestContent.artifact("application/vnd.example.signature.v1", index.digest(),
                index.bytes().length, index.mediaType());
        String repository = "acme/multi-" + System.nanoTime() % 100000;
        try (RegistryClient client = client()) {
            client.push(TestContent.layout(tmp.resolve("multi"), "v1", index, List.of(amd, arm)),
                    ImageReference.parse(source.hostPort() + "/" + repository + ":v1"), PushOptions.defaults());
            client.push(TestContent.layout(tmp.resolve("sig"), "sig", signature),
                    ImageReference.parse(source.hostPort() + "/" + repository + "@" + signature.digest()), PushOptions.defaults());
            long pushed = System.nanoTime();

            String there = target.hostPort() + "/dr/" + repository;
            await("the index and its signature on the target", Duration.ofSeconds(60), () -> has(client, there + ":v1")
                    && client.referrers(ImageReference.parse(there + "@" + index.digest()), null).stream()
                    .anyMatch(d -> d.digest().equals(signature.digest())));
            double seconds = (System.nanoTime() - pushed) / 1e9;
            System.out.printf("replication: a push reached the target after %.2f s%n", seconds);
            assertThat(seconds).as("seconds from the last push to the copy").isLessThan(30);
            assertThat(client.resolve(ImageReference.parse(there + ":v1")).digest()).isEqualTo(index.digest());
            for (TestContent.Image platform : List.of(amd, arm)) {
                assertThat(has(client, there + "@" + platform.digest())).isTrue();
            }
            List<Descriptor> referrers = client.referrers(ImageReference.parse(there + "@" + index.digest()), null);
            assertThat(referrers).extracting(Descriptor::artifactType).contains("application/vnd.example.signature.v1");
        }
        JsonNode status = api.apiOk("GET", "/api/v1/replications/to-dr", Auth.adminBasic(), null);
        assertThat(status.get("lastSuccessAt").isNull()).isFalse();
        assertThat(status.get("rule").get("target").has("password")).isFalse();
    }

    @Test
    void aTargetThatIsDownIsRetriedAndTheCopyCompletesWhenItReturns() {
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(),
                rule("to-reference", "acme/retry-*", reference.base().toString(), false, ""));
        String repository = "acme/retry-" + System.nanoTime() % 100000;
        reference.stop();
        boolean restarted = false;
        try (RegistryClient client = client()) {
            TestContent.Image image = TestContent.image("linux", "amd64", 2, 30_000);
            client.push(TestContent.layout(tmp.resolve("retry"), "v1", image),
                    ImageReference.parse(source.hostPort() + "/" + repository + ":v1"), PushOptions.defaults());
            await("a failed attempt with its reason", Duration.ofSeconds(60), () -> {
                JsonNode s = api.apiOk("GET", "/api/v1/replications/to-reference", Auth.adminBasic(), null);
                return s.get("recentFailures").size() > 0 && s.get("pending").asLong() > 0;
            });
            JsonNode failing = api.apiOk("GET", "/api/v1/replications/to-reference", Auth.adminBasic(), null);
            assertThat(failing.get("recentFailures").get(0).get("error").asString()).contains("cannot reach");
            assertThat(failing.get("lagSeconds").asDouble()).isGreaterThan(0);

            reference.restart();
            restarted = true;
            await("the copy on the target after it returned", Duration.ofSeconds(60),
                    () -> has(client, reference.hostPort() + "/" + repository + ":v1"));
            assertThat(client.resolve(ImageReference.parse(reference.hostPort() + "/" + repository + ":v1")).digest())
                    .isEqualTo(image.digest());
            await("nothing pending", Duration.ofSeconds(30), () -> api.apiOk("GET", "/api/v1/replications/to-reference",
                    Auth.adminBasic(), null).get("pending").asLong() == 0);
        } finally {
            if (!restarted) {
                reference.restart();
            }
        }
    }

    @Test
    void deletedTagsFollowWhenTheRuleSaysSo() {
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(), rule("deletes", "acme/gone-*",
                target.base().toString(), true, "\"targetPrefix\":\"dr/\",\"deletes\":true"));
        String repository = "acme/gone-" + System.nanoTime() % 100000;
        try (RegistryClient client = client()) {
            api.pushImage(repository, "v1", Auth.adminBasic());
            String there = target.hostPort() + "/dr/" + repository + ":v1";
            await("the copy", Duration.ofSeconds(60), () -> has(client, there));
            assertThat(api.send("DELETE", "/v2/" + repository + "/manifests/v1", Auth.adminBasic(), null).statusCode())
                    .isEqualTo(202);
            await("the tag deleted on the target", Duration.ofSeconds(60), () -> !has(client, there));
        }
    }

    @Test
    void runCopiesWhatWasThereBeforeTheRuleAndAPullRuleImportsFromTheOtherRegistry() {
        String repository = "acme/old-" + System.nanoTime() % 100000;
        byte[] manifest = api.pushImage(repository, "v1", Auth.adminBasic());
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(), rule("by-hand", "acme/old-*",
                target.base().toString(), true, "\"targetPrefix\":\"dr/\",\"trigger\":\"manual\""));
        assertThat(api.api("POST", "/api/v1/replications/by-hand/run", Auth.adminBasic(), null).statusCode()).isEqualTo(202);
        try (RegistryClient client = client()) {
            String there = target.hostPort() + "/dr/" + repository + ":v1";
            await("the full sync", Duration.ofSeconds(60), () -> has(client, there));
            assertThat(client.resolve(ImageReference.parse(there)).digest()).isEqualTo(Digest.sha256(manifest));
            assertThat(api.apiOk("GET", "/api/v1/replications/by-hand", Auth.adminBasic(), null).get("lastRunAt").isNull())
                    .isFalse();

            // the other way: from the reference registry into a local namespace
            String remote = "team/" + TestData.repository("pulled").replace('/', '-');
            TestContent.Image image = TestContent.image("linux", "amd64", 1, 20_000);
            try (RegistryClient anonymous = new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS,
                    TransferListener.NONE)) {
                anonymous.push(TestContent.layout(tmp.resolve("pull"), "v1", image),
                        ImageReference.parse(reference.hostPort() + "/" + remote + ":v1"), PushOptions.defaults());
            }
            api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(), rule("from-reference", remote,
                    reference.base().toString(), false, "\"targetPrefix\":\"acme/mirror/\",\"direction\":\"pull\""));
            api.api("POST", "/api/v1/replications/from-reference/run", Auth.adminBasic(), null);
            String here = source.hostPort() + "/acme/mirror/" + remote + ":v1";
            await("the pulled image", Duration.ofSeconds(60), () -> has(client, here));
            assertThat(client.resolve(ImageReference.parse(here)).digest()).isEqualTo(image.digest());
            assertThat(api.send("GET", "/v2/acme/mirror/" + remote + "/blobs/" + image.layers().get(0).digest(),
                    Auth.adminBasic(), null).body()).isEqualTo(image.layers().get(0).bytes());
        }
    }

    @Test
    void aScheduledRuleSynchronisesWhenItsRunIsDueOnOneReplica() {
        String repository = "acme/timed-" + System.nanoTime() % 100000;
        byte[] manifest = api.pushImage(repository, "v1", Auth.adminBasic());
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(), rule("timed", "acme/timed-*",
                target.base().toString(), true, "\"targetPrefix\":\"dr/\",\"trigger\":\"schedule\",\"schedule\":\"1h\""));
        // the first run is due at once; the next one an hour later
        source.bean(ReplicationWorker.class).runSchedules();
        try (RegistryClient client = client()) {
            String there = target.hostPort() + "/dr/" + repository + ":v1";
            await("the scheduled sync", Duration.ofSeconds(60), () -> has(client, there));
            assertThat(client.resolve(ImageReference.parse(there)).digest()).isEqualTo(Digest.sha256(manifest));
        }
        JsonNode status = api.apiOk("GET", "/api/v1/replications/timed", Auth.adminBasic(), null);
        assertThat(status.get("rule").get("schedule").asString()).isEqualTo("1h");
        long runs = countSyncTasks("timed");
        source.bean(ReplicationWorker.class).runSchedules();
        assertThat(countSyncTasks("timed")).as("not due again within the hour").isEqualTo(runs);
    }

    private static long countSyncTasks(String rule) {
        return source.bean(org.springframework.jdbc.core.simple.JdbcClient.class)
                .sql("SELECT count(*) FROM replication_tasks t JOIN replication_rules r ON r.id = t.rule_id"
                        + " WHERE r.name = :name AND t.kind = 'sync'")
                .param("name", rule).query(Long.class).single();
    }

    @Test
    void rulesAreValidatedAndNeverShowThePassword() {
        assertThat(api.api("POST", "/api/v1/replications", Auth.adminBasic(),
                rule("bad", "acme/**", "ftp://x", false, "")).statusCode()).isEqualTo(400);
        assertThat(api.api("POST", "/api/v1/replications", Auth.adminBasic(),
                rule("bad", "acme/**", target.base().toString(), false, "\"direction\":\"pull\",\"trigger\":\"on-push\""))
                .statusCode()).isEqualTo(400);
        api.apiOk("POST", "/api/v1/replications", Auth.adminBasic(), rule("shown", "acme/shown", target.base().toString(),
                true, "\"trigger\":\"schedule\",\"schedule\":\"1h\""));
        String listed = new String(api.api("GET", "/api/v1/replications", Auth.adminBasic(), null).body());
        assertThat(listed).contains("\"shown\"").contains("\"schedule\":\"1h\"").doesNotContain(RegistryServer.ADMIN_PASSWORD);
        assertThat(api.api("POST", "/api/v1/replications", Auth.adminBasic(), rule("shown", "acme/x",
                target.base().toString(), false, "")).statusCode()).isEqualTo(409);
    }
}
