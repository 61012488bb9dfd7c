package dev.wharf.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.PullOptions;
import dev.wharf.client.PushOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TestContent;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.auth.Auth;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Caches on a server with auth: who may pull through them, names they reserve, caches made through
 * the API (upstream passwords sealed with the key-encryption key), mirror mode, and eviction
 * beyond {@code max-bytes}.
 */
class CacheAccessIT {

    private static final String PASSWORD = "cache-user-password-1";
    private static final String UPSTREAM_USER = "mirror";
    private static final String UPSTREAM_PASSWORD = "sealed-upstream-secret-1";

    private static ReferenceRegistry upstream;
    private static ReferenceRegistry basicUpstream;
    private static TestDatabases.Database db;
    private static final Map<String, String> settings = new HashMap<>();
    private static RegistryServer wharf;
    private static Auth auth;
    private static final TestClock clock = new TestClock();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        upstream = ReferenceRegistry.start();
        basicUpstream = ReferenceRegistry.startWithBasicAuth(UPSTREAM_USER, UPSTREAM_PASSWORD);
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        settings.put("wharf.auth.key-encryption-key", Base64.getEncoder().encodeToString(kek));
        settings.put("wharf.proxy.caches.hub.url", upstream.base().toString());
        settings.put("wharf.proxy.caches.open.url", upstream.base().toString());
        settings.put("wharf.proxy.caches.open.public", "true");
        settings.put("wharf.proxy.caches.small.url", upstream.base().toString());
        settings.put("wharf.proxy.caches.small.max-bytes", "150KB");
        settings.put("wharf.proxy.mirror", "open");
        settings.put("wharf.proxy.eviction-interval", "1h");
        db = TestDatabases.create();
        wharf = RegistryServer.start(db, RegistryServer.withAuth(settings), clock.initializer());
        auth = new Auth(wharf);
        auth.createUser("alice", PASSWORD);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {wharf, basicUpstream, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the rest still closes
            }
        }
    }

    private static RegistryClient client(Credentials credentials) {
        return new RegistryClient(ClientOptions.defaults(), h -> credentials, TransferListener.NONE);
    }

    private TestContent.Image pushUpstream(ReferenceRegistry registry, Credentials credentials, String repository,
                                           int layerSize) {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, layerSize);
        try (RegistryClient client = client(credentials)) {
            client.push(TestContent.layout(tmp.resolve("u-" + System.nanoTime()), "v1", image),
                    ImageReference.parse(registry.hostPort() + "/" + repository + ":v1"), PushOptions.defaults());
        }
        return image;
    }

    private String pull(Credentials credentials, String reference) {
        try (RegistryClient client = client(credentials)) {
            return client.pull(ImageReference.parse(wharf.hostPort() + "/" + reference),
                    tmp.resolve("p-" + System.nanoTime()), PullOptions.defaults()).digest().toString();
        }
    }

    @Test
    void signedInUsersPullThroughEveryCacheAnonymousOnlyThroughPublicOnesAndNobodyPushes() {
        String repository = "team/" + TestData.repository("access").replace('/', '-');
        TestContent.Image image = pushUpstream(upstream, Credentials.ANONYMOUS, repository, 2000);
        String digest = image.digest().toString();

        assertThat(pull(new Credentials.Basic("alice", PASSWORD), "hub/" + repository + ":v1")).isEqualTo(digest);
        assertThat(pull(Credentials.ANONYMOUS, "open/" + repository + ":v1")).isEqualTo(digest);
        assertThatThrownBy(() -> pull(Credentials.ANONYMOUS, "hub/" + repository + ":v1"))
                .isInstanceOf(RegistryException.class);
        HttpResponse<byte[]> anonymous = auth.send("GET", "/v2/hub/" + repository + "/manifests/v1", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // admins may do everything the policy allows, but a cache takes no pushes
        HttpResponse<byte[]> push = auth.send("POST", "/v2/hub/" + repository + "/blobs/uploads/", Auth.adminBasic(),
                new byte[0]);
        assertThat(push.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(push)).isEqualTo("DENIED");
        assertThat(new String(push.body(), StandardCharsets.UTF_8)).contains("read-only");
        HttpResponse<byte[]> userPush = auth.send("POST", "/v2/hub/" + repository + "/blobs/uploads/",
                Auth.basic("alice", PASSWORD), new byte[0]);
        assertThat(userPush.statusCode()).isEqualTo(403);
        assertThatThrownBy(() -> {
            try (RegistryClient admin = client(new Credentials.Basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD))) {
                admin.push(TestContent.layout(tmp.resolve("push"), "v1", TestContent.image("linux", "amd64", 1, 10)),
                        ImageReference.parse(wharf.hostPort() + "/hub/" + repository + ":v2"), PushOptions.defaults());
            }
        }).isInstanceOf(RegistryException.Denied.class);
    }

    @Test
    void aCacheReservesItsNameAgainstUsersAndOrganizationsAndFreesItWhenDeleted() {
        assertThat(auth.api("POST", "/api/v1/users", Auth.adminBasic(),
                "{\"name\":\"hub\",\"password\":\"long-enough-1\"}").statusCode()).isEqualTo(409);
        assertThat(auth.api("POST", "/api/v1/orgs", Auth.basic("alice", PASSWORD), "{\"name\":\"open\"}").statusCode())
                .isEqualTo(409);
        HttpResponse<byte[]> taken = auth.api("POST", "/api/v1/proxy-caches", Auth.adminBasic(),
                "{\"name\":\"alice\",\"url\":\"" + upstream.base() + "\"}");
        assertThat(taken.statusCode()).isEqualTo(409);

        auth.apiOk("POST", "/api/v1/proxy-caches", Auth.adminBasic(), "{\"name\":\"fresh\",\"url\":\"" + upstream.base() + "\"}");
        assertThat(auth.api("POST", "/api/v1/orgs", Auth.basic("alice", PASSWORD), "{\"name\":\"fresh\"}").statusCode())
                .isEqualTo(409);
        assertThat(auth.api("DELETE", "/api/v1/proxy-caches/hub", Auth.adminBasic(), null).statusCode())
                .as("a cache of the settings is changed there").isEqualTo(409);
        assertThat(auth.api("DELETE", "/api/v1/proxy-caches/fresh", Auth.adminBasic(), null).statusCode()).isEqualTo(204);
        auth.createOrganization("fresh", Auth.basic("alice", PASSWORD));
    }

    @Test
    void aCacheMadeThroughTheApiKeepsItsUpstreamPasswordSealedAndPullsWithIt() throws Exception {
        String repository = "team/" + TestData.repository("sealed").replace('/', '-');
        TestContent.Image image = pushUpstream(basicUpstream, new Credentials.Basic(UPSTREAM_USER, UPSTREAM_PASSWORD),
                repository, 3000);
        JsonNode created = auth.apiOk("POST", "/api/v1/proxy-caches", Auth.adminBasic(), "{\"name\":\"priv\",\"url\":\""
                + basicUpstream.base() + "\",\"username\":\"" + UPSTREAM_USER + "\",\"password\":\"" + UPSTREAM_PASSWORD
                + "\",\"tagTtl\":\"30s\",\"maxBytes\":\"1GB\"}");
        assertThat(created.get("hasPassword").asBoolean()).isTrue();
        assertThat(created.get("tagTtl").asString()).isEqualTo("30s");
        assertThat(created.get("maxBytes").asLong()).isEqualTo(1L << 30);
        String listed = new String(auth.api("GET", "/api/v1/proxy-caches", Auth.adminBasic(), null).body(),
                StandardCharsets.UTF_8);
        assertThat(listed).contains("\"priv\"").doesNotContain(UPSTREAM_PASSWORD);
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT password FROM proxy_caches WHERE name = 'priv'")) {
            rs.next();
            assertThat(rs.getString(1)).isNotEmpty().doesNotContain(UPSTREAM_PASSWORD);
        }

        assertThat(pull(new Credentials.Basic("alice", PASSWORD), "priv/" + repository + ":v1"))
                .isEqualTo(image.digest().toString());
        assertThatThrownBy(() -> pull(Credentials.ANONYMOUS, "priv/" + repository + ":v1"))
                .isInstanceOf(RegistryException.class);
        auth.apiOk("PATCH", "/api/v1/proxy-caches/priv", Auth.adminBasic(), "{\"public\":true}");
        assertThat(pull(Credentials.ANONYMOUS, "priv/" + repository + ":v1")).isEqualTo(image.digest().toString());
        JsonNode status = auth.apiOk("GET", "/api/v1/proxy-caches/priv", Auth.adminBasic(), null);
        assertThat(status.get("usedBytes").asLong()).isGreaterThan(6000);
        assertThat(status.get("repositories").asLong()).isEqualTo(1);

        assertThat(auth.api("DELETE", "/api/v1/proxy-caches/priv", Auth.adminBasic(), null).statusCode()).isEqualTo(204);
        assertThat(auth.api("GET", "/api/v1/proxy-caches/priv", Auth.adminBasic(), null).statusCode()).isEqualTo(404);
        assertThat(auth.send("GET", "/v2/priv/" + repository + "/manifests/v1", Auth.adminBasic(), null).statusCode())
                .as("nothing of it is served any more").isEqualTo(404);
    }

    @Test
    void mirrorModeReadsNamesNoNamespaceOwnsThroughTheMirrorCacheAndLeavesLocalNamesAlone() {
        String name = "library/" + TestData.repository("busybox").replace('/', '-');
        TestContent.Image image = pushUpstream(upstream, Credentials.ANONYMOUS, name, 2000);
        // as a Docker daemon with registry-mirrors asks: the upstream's own name, anonymously
        assertThat(pull(Credentials.ANONYMOUS, name + ":v1")).isEqualTo(image.digest().toString());
        assertThat(auth.send("GET", "/v2/open/" + name + "/manifests/v1", null, null).headers()
                .firstValue(PullThrough.CACHE_HEADER)).hasValue("hit");

        byte[] own = auth.pushImage("alice/app", "v1", Auth.basic("alice", PASSWORD));
        assertThat(pull(new Credentials.Basic("alice", PASSWORD), "alice/app:v1"))
                .isEqualTo(dev.wharf.oci.Digest.sha256(own).toString());
    }

    @Test
    void beyondMaxBytesTheLeastRecentlyPulledImagesAreEvicted() {
        String base = "team/" + TestData.repository("evict").replace('/', '-');
        List<String> names = List.of(base + "-a", base + "-b", base + "-c");
        for (String name : names) {
            pushUpstream(upstream, Credentials.ANONYMOUS, name, 30_000);
        }
        Credentials alice = new Credentials.Basic("alice", PASSWORD);
        for (String name : names) {
            pull(alice, "small/" + name + ":v1");
            clock.advance(Duration.ofSeconds(10));
        }
        pull(alice, "small/" + names.get(0) + ":v1");
        CacheContents contents = wharf.bean(CacheContents.class);
        assertThat(contents.usedBytes("small")).isGreaterThan(150 * 1024);

        int evicted = wharf.bean(CacheEviction.class).evictAll();

        assertThat(evicted).isPositive();
        assertThat(contents.usedBytes("small")).isLessThanOrEqualTo(150 * 1024);
        assertThat(contents.tagged(RepositoryName.of("small/" + names.get(1)), Tag.of("v1"))).as("least recently pulled").isEmpty();
        assertThat(contents.tagged(RepositoryName.of("small/" + names.get(0)), Tag.of("v1"))).as("pulled last").isPresent();
        String metrics = new String(auth.http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);
        assertThat(metrics).contains("wharf_proxy_evicted_manifests_total{cache=\"small\"}");
        // evicted content comes back from the upstream when pulled again
        pull(alice, "small/" + names.get(1) + ":v1");
    }

    @Test
    void aCacheOfTheSettingsNamedLikeAUserStopsTheStart() {
        Map<String, String> clash = new HashMap<>(settings);
        clash.put("wharf.proxy.caches.alice.url", upstream.base().toString());
        assertThatThrownBy(() -> RegistryServer.start(db, RegistryServer.withAuth(clash)).close())
                .hasStackTraceContaining("alice is a user or an organization");
    }
}
