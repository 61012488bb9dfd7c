package dev.wharf.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.PullOptions;
import dev.wharf.client.PushOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TestContent;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryProxy;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls through caches of real upstreams: Debian's docker-registry, anonymous (behind a proxy that
 * counts what reaches it and can fail), with htpasswd basic authentication, and a second Wharf with
 * token authentication. The cache's server moves time with a test clock for tag revalidation.
 */
class PullThroughIT {

    private static final String USER = "puller";
    private static final String PASSWORD = "upstream-password-1";

    private static ReferenceRegistry upstream;
    private static RegistryProxy counting;
    private static ReferenceRegistry basicUpstream;
    private static RegistryServer tokenUpstream;
    private static RegistryServer wharf;
    private static final TestClock clock = new TestClock();
    private static RegistryHttp http;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        upstream = ReferenceRegistry.start();
        counting = RegistryProxy.start(upstream.base());
        basicUpstream = ReferenceRegistry.startWithBasicAuth(USER, PASSWORD);
        tokenUpstream = RegistryServer.startWithAuth(Map.of());
        Map<String, String> settings = Map.of(
                "wharf.proxy.caches.hub.url", "http://" + counting.hostPort(),
                "wharf.proxy.caches.hub.tag-ttl", "1m",
                "wharf.proxy.caches.hub.library-prefix", "true",
                "wharf.proxy.caches.basic.url", "http://" + basicUpstream.hostPort(),
                "wharf.proxy.caches.basic.username", USER,
                "wharf.proxy.caches.basic.password", PASSWORD,
                "wharf.proxy.caches.tokens.url", tokenUpstream.base().toString(),
                "wharf.proxy.caches.tokens.username", RegistryServer.ADMIN,
                "wharf.proxy.caches.tokens.password", RegistryServer.ADMIN_PASSWORD,
                "wharf.proxy.upstream-timeout", "5s");
        wharf = RegistryServer.start(TestDatabases.create(), settings, clock.initializer());
        http = new RegistryHttp(wharf.base());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {wharf, tokenUpstream, counting, basicUpstream, upstream}) {
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
        return new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    private TestContent.Image pushUpstream(String registry, String repository, String tag, int layerSize,
                                           Credentials credentials) {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, layerSize);
        try (RegistryClient client = new RegistryClient(ClientOptions.defaults(), h -> credentials, TransferListener.NONE)) {
            client.push(TestContent.layout(tmp.resolve("push-" + System.nanoTime()), tag, image),
                    ImageReference.parse(registry + "/" + repository + ":" + tag), PushOptions.defaults());
        }
        return image;
    }

    private static long upstreamRequests(String method, String pathPart) {
        return counting.requests().stream().filter(r -> r.startsWith(method + " ") && r.contains(pathPart)).count();
    }

    @Test
    void aTagIsFetchedOnceThenServedFromTheCacheAndOneComponentNamesGetLibrary() {
        String name = "alpine" + System.nanoTime() % 1_000_000;
        TestContent.Image image = pushUpstream(counting.hostPort(), "library/" + name, "3", 10_000, Credentials.ANONYMOUS);
        String local = "/v2/hub/" + name + "/manifests/3";

        HttpResponse<byte[]> first = http.get(local, "Accept", MediaTypes.OCI_MANIFEST);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo(image.manifest().bytes());
        assertThat(first.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("miss");
        HttpResponse<byte[]> second = http.get(local, "Accept", MediaTypes.OCI_MANIFEST);
        assertThat(second.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("hit");
        assertThat(second.headers().firstValue("Docker-Content-Digest")).hasValue(image.digest().toString());

        for (TestContent.Blob layer : image.layers()) {
            String blob = "/v2/hub/" + name + "/blobs/" + layer.digest();
            HttpResponse<byte[]> miss = http.get(blob);
            assertThat(miss.body()).isEqualTo(layer.bytes());
            assertThat(miss.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("miss");
            // the store publishes right after the last byte went out; a pull meanwhile joins the same fetch
            awaitLinked("hub/" + name, layer.digest());
            HttpResponse<byte[]> hit = http.get(blob);
            assertThat(hit.body()).isEqualTo(layer.bytes());
            assertThat(hit.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("hit");
            assertThat(upstreamRequests("GET", "/blobs/" + layer.digest())).isEqualTo(1);
        }
        assertThat(upstreamRequests("GET", "library/" + name + "/manifests/3")).isEqualTo(1);
    }

    private static void awaitLinked(String repository, Digest digest) {
        CacheContents contents = wharf.bean(CacheContents.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (contents.linked(dev.wharf.oci.RepositoryName.of(repository), digest).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(digest + " was not linked into " + repository + " within 30 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void twentyConcurrentPullsOfAnUncachedImageFetchEachBlobOnceFromTheUpstream() throws Exception {
        String repository = "team/" + TestData.repository("many").replace('/', '-');
        TestContent.Image image = pushUpstream(counting.hostPort(), repository, "v1", 3 * 1024 * 1024, Credentials.ANONYMOUS);
        ImageReference through = ImageReference.parse(wharf.hostPort() + "/hub/" + repository + ":v1");
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try (RegistryClient client = client()) {
            List<Future<Digest>> pulls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Path target = tmp.resolve("pull-" + i);
                pulls.add(pool.submit(() -> client.pull(through, target, PullOptions.defaults()).digest()));
            }
            for (Future<Digest> pull : pulls) {
                assertThat(pull.get()).isEqualTo(image.digest());
            }
        } finally {
            pool.shutdownNow();
        }
        for (TestContent.Blob blob : List.of(image.config(), image.layers().get(0), image.layers().get(1))) {
            assertThat(upstreamRequests("GET", "/blobs/" + blob.digest())).as("GETs of " + blob.digest()).isEqualTo(1);
        }
        assertThat(upstreamRequests("GET", repository + "/manifests/v1")).isEqualTo(1);
    }

    @Test
    void aTagPastItsTtlIsCheckedWithAHeadAndFollowsTheUpstream() {
        String repository = "team/" + TestData.repository("moving").replace('/', '-');
        TestContent.Image first = pushUpstream(counting.hostPort(), repository, "latest", 1000, Credentials.ANONYMOUS);
        String local = "/v2/hub/" + repository + "/manifests/latest";
        assertThat(http.get(local).headers().firstValue("Docker-Content-Digest")).hasValue(first.digest().toString());

        TestContent.Image second = pushUpstream(counting.hostPort(), repository, "latest", 1000, Credentials.ANONYMOUS);
        // within the TTL the cached tag is served without asking
        assertThat(http.get(local).headers().firstValue("Docker-Content-Digest")).hasValue(first.digest().toString());
        assertThat(upstreamRequests("HEAD", repository + "/manifests/latest")).isZero();

        clock.advance(Duration.ofMinutes(2));
        HttpResponse<byte[]> moved = http.get(local);
        assertThat(moved.headers().firstValue("Docker-Content-Digest")).hasValue(second.digest().toString());
        assertThat(moved.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("miss");
        assertThat(upstreamRequests("HEAD", repository + "/manifests/latest")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        HttpResponse<byte[]> same = http.get(local);
        assertThat(same.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("revalidated");
        // the unchanged tag cost a HEAD, never a GET: the upstream's pull budget is spared
        assertThat(upstreamRequests("GET", repository + "/manifests/latest")).isEqualTo(1);
        assertThat(upstreamRequests("HEAD", repository + "/manifests/latest")).isEqualTo(2);
    }

    @Test
    void whenTheUpstreamFailsCachedContentIsServedStaleAndUncachedContentIsAnErrorNamingTheUpstreamStatus() {
        String repository = "team/" + TestData.repository("down").replace('/', '-');
        TestContent.Image image = pushUpstream(counting.hostPort(), repository, "v1", 1000, Credentials.ANONYMOUS);
        pushUpstream(counting.hostPort(), repository, "v2", 1000, Credentials.ANONYMOUS);
        String local = "/v2/hub/" + repository + "/manifests/v1";
        assertThat(http.get(local).statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/hub/" + repository + "/blobs/" + image.layers().get(0).digest()).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(2));
        counting.failWith503(1000, e -> e.getRequestURI().getPath().contains(repository));
        try {
            HttpResponse<byte[]> stale = http.get(local);
            assertThat(stale.statusCode()).isEqualTo(200);
            assertThat(stale.body()).isEqualTo(image.manifest().bytes());
            assertThat(stale.headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("stale");
            assertThat(stale.headers().firstValue("Warning")).hasValueSatisfying(w -> assertThat(w).startsWith("110"));
            assertThat(http.get("/v2/hub/" + repository + "/blobs/" + image.layers().get(0).digest()).body())
                    .isEqualTo(image.layers().get(0).bytes());
            // right after a failure the upstream is not asked again: stale tags come without waiting
            long asked = upstreamRequests("HEAD", repository + "/manifests/v1");
            assertThat(http.get(local).headers().firstValue(PullThrough.CACHE_HEADER)).hasValue("stale");
            assertThat(upstreamRequests("HEAD", repository + "/manifests/v1")).isEqualTo(asked);

            HttpResponse<byte[]> uncached = http.get("/v2/hub/" + repository + "/manifests/v2");
            assertThat(uncached.statusCode()).isEqualTo(503);
            assertThat(RegistryHttp.errorCode(uncached)).isEqualTo("UNAVAILABLE");
            assertThat(new String(uncached.body(), StandardCharsets.UTF_8)).contains("answered 503");
        } finally {
            counting.failWith503(0, e -> false);
            clock.advance(Upstreams.DOWN_FOR.plusSeconds(1));
        }
        String metrics = new String(http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);
        assertThat(metrics).containsPattern("wharf_proxy_requests_total\\{cache=\"hub\",kind=\"manifest\",result=\"stale\"} [1-9]");

        HttpResponse<byte[]> unknown = http.get("/v2/hub/" + repository + "/manifests/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(unknown)).isEqualTo("MANIFEST_UNKNOWN");
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsNeverStoredNorLinked() {
        String repository = "team/" + TestData.repository("corrupt").replace('/', '-');
        TestContent.Image image = pushUpstream(counting.hostPort(), repository, "v1", 200_000, Credentials.ANONYMOUS);
        Digest layer = image.layers().get(0).digest();
        try (RegistryProxy corrupting = RegistryProxy.start(upstream.base()).corruptBlobs();
             RegistryServer other = RegistryServer.start(Map.of("wharf.proxy.caches.bad.url", "http://" + corrupting.hostPort()))) {
            RegistryHttp otherHttp = new RegistryHttp(other.base());
            String blob = "/v2/bad/" + repository + "/blobs/" + layer;
            byte[] got;
            try {
                got = otherHttp.get(blob).body();
            } catch (RuntimeException cut) {
                got = null; // the connection was cut before the last byte
            }
            assertThat(got).isNotEqualTo(image.layers().get(0).bytes());
            assertThat(other.bean(BlobStore.class).stat(layer)).isEmpty();
            assertThat(other.bean(CacheContents.class).linked(
                    dev.wharf.oci.RepositoryName.of("bad/" + repository), layer)).isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void upstreamsWithBasicAuthenticationAndWithTheTokenFlowArePulledThrough() throws Exception {
        String repository = "team/" + TestData.repository("basic").replace('/', '-');
        TestContent.Image basic = pushUpstream(basicUpstream.hostPort(), repository, "v1", 5000,
                new Credentials.Basic(USER, PASSWORD));
        String tokenRepository = "admin/" + TestData.repository("tok").replace('/', '-');
        TestContent.Image token = pushUpstream(tokenUpstream.hostPort(), tokenRepository, "v1", 5000,
                new Credentials.Basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD));
        try (RegistryClient client = client()) {
            assertThat(client.pull(ImageReference.parse(wharf.hostPort() + "/basic/" + repository + ":v1"),
                    tmp.resolve("basic"), PullOptions.defaults()).digest()).isEqualTo(basic.digest());
            assertThat(client.pull(ImageReference.parse(wharf.hostPort() + "/tokens/" + tokenRepository + ":v1"),
                    tmp.resolve("token"), PullOptions.defaults()).digest()).isEqualTo(token.digest());
        }
    }

    @Test
    void pushesToACacheAreRefusedAndTheBareNamespaceNamesNothing() {
        HttpResponse<byte[]> start = http.post("/v2/hub/team/app/blobs/uploads/", new byte[0]);
        assertThat(start.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(start)).isEqualTo("DENIED");
        HttpResponse<byte[]> put = http.putManifest("hub/team/app", "v1", MediaTypes.OCI_MANIFEST, "{}".getBytes());
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(put)).isEqualTo("DENIED");
        HttpResponse<byte[]> bare = http.get("/v2/hub/manifests/latest");
        assertThat(bare.statusCode()).isEqualTo(404);
    }
}
