package dev.wharf.server.training;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * The training run of the JVM's ahead-of-time cache ({@code bin/wharf serve} and the container
 * image make one; docs/PERFORMANCE.md). With {@code wharf.training-run=true} the server, once it
 * serves, sends itself the requests its clients send — token, uploads monolithic, chunked and
 * streamed, manifests, tag lists, the catalog, blob downloads, the web UI's public pages, health
 * and metrics — over loopback, and then exits: 0 when every answer was the expected one, 1
 * otherwise. The JVM records the classes this loaded and linked and the profiles of the methods it
 * ran ({@code -XX:AOTCacheOutput} on Java 25, a class-data-sharing archive on older ones), so a
 * later start loads them ready-made and compiles the hot paths early.
 *
 * <p>Never set it on a server with data: the run pushes into the repository
 * {@code <admin>/wharf-training} and then exits. The launcher runs it against a throwaway data
 * directory with the embedded database.
 */
@Component
class TrainingRun implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");

    /** Manifest GETs by tag and by digest: enough for their path to be profiled and compiled. */
    static final int MANIFEST_GETS = 3_000;

    private final boolean enabled;
    private final boolean auth;
    private final String adminUsername;
    private final String adminPassword;

    TrainingRun(@Value("${wharf.training-run:false}") boolean enabled,
                @Value("${wharf.auth.enabled:true}") boolean auth,
                @Value("${wharf.auth.admin-username:admin}") String adminUsername,
                @Value("${wharf.auth.admin-password:}") String adminPassword) {
        this.enabled = enabled;
        this.auth = auth;
        this.adminUsername = adminUsername;
        this.adminPassword = adminPassword;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        if (!enabled) {
            return;
        }
        if (auth && adminPassword.isBlank()) {
            throw new IllegalStateException("wharf.training-run needs wharf.auth.admin-password (or wharf.auth.enabled=false)");
        }
        ConfigurableApplicationContext context = event.getApplicationContext();
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        Thread thread = new Thread(() -> {
            int status = 1;
            long started = System.nanoTime();
            try {
                Workload workload = new Workload(URI.create("http://127.0.0.1:" + port),
                        (auth ? adminUsername : "training") + "/wharf-training");
                workload.run();
                status = 0;
                log.info("training run done: {} requests in {} ms", workload.requests,
                        Duration.ofNanos(System.nanoTime() - started).toMillis());
            } catch (Exception | AssertionError e) {
                log.error("training run failed", e);
            }
            int code = status;
            System.exit(SpringApplication.exit(context, () -> code));
        }, "wharf-training-run");
        thread.start();
    }

    /** The requests, in the order clients send them. */
    private final class Workload {
        private final URI base;
        private final String repository;
        private final HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        private final Random random = new Random(42);
        private String authorization;
        private int requests;

        Workload(URI base, String repository) {
            this.base = base;
            this.repository = repository;
        }

        void run() throws Exception {
            expect(send(get("/v2/")), auth ? 401 : 200);
            if (auth) {
                String basic = "Basic " + Base64.getEncoder().encodeToString(
                        (adminUsername + ":" + adminPassword).getBytes(StandardCharsets.UTF_8));
                String scope = URLEncoder.encode("repository:" + repository + ":pull,push,delete", StandardCharsets.UTF_8);
                HttpResponse<byte[]> token = expect(send(get("/token?service=wharf&scope=" + scope + "&scope=" + URLEncoder.encode("registry:catalog:*", StandardCharsets.UTF_8))
                        .header("Authorization", basic)), 200);
                Matcher m = TOKEN.matcher(new String(token.body(), StandardCharsets.UTF_8));
                if (!m.find()) {
                    throw new IllegalStateException("no token in the token answer");
                }
                expect(send(get("/api/v1/user").header("Authorization", basic)), 200);
                expect(send(get("/api/v1/users").header("Authorization", basic)), 200);
                expect(send(get("/api/v1/keys").header("Authorization", basic)), 200);
                authorization = "Bearer " + m.group(1);
                expect(send(get("/v2/")), 200);
            }

            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
                    + "\"history\":[{\"created_by\":\"training\"}]}").getBytes(StandardCharsets.UTF_8);
            Digest configDigest = monolithic(config);
            List<String> layers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] layer = bytes(8 * 1024 * 1024 + i);
                layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, streamed(layer), layer.length));
            }
            byte[] ranged = bytes(4 * 1024 * 1024);
            layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, patched(ranged, 512 * 1024), ranged.length));
            byte[] small = bytes(100_000);
            layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, monolithic(small), small.length));
            byte[] single = bytes(2_000);
            Digest singleDigest = Digest.sha256(single);
            expect(send(post("/v2/" + repository + "/blobs/uploads/?digest=" + singleDigest, single)), 201);
            layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, singleDigest, single.length));

            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                    + String.join(",", layers) + "]}").getBytes(StandardCharsets.UTF_8);
            Digest manifestDigest = Digest.sha256(manifest);
            for (int t = 0; t < 50; t++) {
                expect(send(put("/v2/" + repository + "/manifests/v" + t, manifest)
                        .header("Content-Type", MediaTypes.OCI_MANIFEST)), 201);
            }
            // a second image and an index over both, a referrer of the first
            byte[] other = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                    + layers.get(4) + "],\"subject\":" + descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length)
                    + ",\"artifactType\":\"application/vnd.example.training\"}").getBytes(StandardCharsets.UTF_8);
            Digest otherDigest = Digest.sha256(other);
            expect(send(put("/v2/" + repository + "/manifests/" + otherDigest, other)
                    .header("Content-Type", MediaTypes.OCI_MANIFEST)), 201);
            byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                    + descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length) + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            expect(send(put("/v2/" + repository + "/manifests/index", index)
                    .header("Content-Type", MediaTypes.OCI_INDEX)), 201);

            String accept = MediaTypes.OCI_MANIFEST + ", " + MediaTypes.OCI_INDEX + ", " + MediaTypes.DOCKER_MANIFEST;
            parallel(4, MANIFEST_GETS, i -> {
                String reference = i % 2 == 0 ? "v" + (i % 50) : manifestDigest.toString();
                expect(send(get("/v2/" + repository + "/manifests/" + reference).header("Accept", accept)), 200);
                if (i % 10 == 0) {
                    expect(send(head("/v2/" + repository + "/manifests/" + reference).header("Accept", accept)), 200);
                    expect(send(head("/v2/" + repository + "/blobs/" + configDigest)), 200);
                }
                if (i % 20 == 0) {
                    expect(send(get("/v2/" + repository + "/tags/list")), 200);
                    expect(send(get("/v2/" + repository + "/tags/list?n=10&last=v1")), 200);
                    expect(send(get("/v2/_catalog?n=10")), 200);
                    expect(send(get("/v2/" + repository + "/manifests/missing").header("Accept", accept)), 404);
                }
            });
            expect(send(get("/v2/" + repository + "/referrers/" + manifestDigest)), 200);
            expect(send(get("/v2/" + repository + "/manifests/index").header("Accept", accept)), 200);

            // downloads: whole blobs, a range, a missing one
            Digest big = Digest.parse(layers.get(0).replaceAll(".*\"digest\":\"([^\"]+)\".*", "$1"));
            parallel(2, 24, i -> expect(sendDiscarding(get("/v2/" + repository + "/blobs/" + big)), 200));
            expect(send(get("/v2/" + repository + "/blobs/" + big).header("Range", "bytes=100-199999")), 206);
            expect(send(get("/v2/" + repository + "/blobs/" + Digest.sha256(new byte[1]))), 404);

            // the web UI's public pages, health and metrics
            expect(send(get("/")), 200);
            expect(send(get("/login")), 200);
            expect(send(get("/ui/wharf.css")), 200);
            expect(send(get("/actuator/health")), 200);
            expect(send(get("/actuator/health/readiness")), 200);
            expect(send(get("/actuator/prometheus")), 200);

            // deletes: a tag, a manifest, an upload left open
            expect(send(delete("/v2/" + repository + "/manifests/v49")), 202);
            expect(send(delete("/v2/" + repository + "/manifests/" + otherDigest)), 202);
            String open = location(expect(send(post("/v2/" + repository + "/blobs/uploads/", new byte[0])), 202));
            expect(send(delete(open)), 204);
        }

        /** POST, then PUT with the whole blob (curl, the companion client). */
        private Digest monolithic(byte[] blob) {
            Digest digest = Digest.sha256(blob);
            String location = location(expect(send(post("/v2/" + repository + "/blobs/uploads/", new byte[0])), 202));
            expect(send(put(withDigest(location, digest), blob).header("Content-Type", "application/octet-stream")), 201);
            return digest;
        }

        /** POST, one PATCH streamed without a length (chunked, as docker sends it), an empty PUT. */
        private Digest streamed(byte[] blob) {
            Digest digest = Digest.sha256(blob);
            String location = location(expect(send(post("/v2/" + repository + "/blobs/uploads/", new byte[0])), 202));
            HttpRequest.Builder patch = request(location).method("PATCH",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(blob)))
                    .header("Content-Type", "application/octet-stream");
            location = location(expect(send(patch), 202));
            expect(send(put(withDigest(location, digest), new byte[0])), 201);
            return digest;
        }

        /** POST, PATCHes with Content-Range, an empty PUT. */
        private Digest patched(byte[] blob, int chunk) {
            Digest digest = Digest.sha256(blob);
            String location = location(expect(send(post("/v2/" + repository + "/blobs/uploads/", new byte[0])), 202));
            for (int offset = 0; offset < blob.length; offset += chunk) {
                int end = Math.min(blob.length, offset + chunk);
                HttpRequest.Builder patch = request(location).method("PATCH",
                                HttpRequest.BodyPublishers.ofByteArray(blob, offset, end - offset))
                        .header("Content-Type", "application/octet-stream")
                        .header("Content-Range", offset + "-" + (end - 1));
                location = location(expect(send(patch), 202));
                expect(send(get(location)), 204);
            }
            expect(send(put(withDigest(location, digest), new byte[0])), 201);
            return digest;
        }

        private void parallel(int threads, int count, Step step) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    futures.add(pool.submit(() -> {
                        for (int i = first; i < count; i += threads) {
                            step.run(i);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }

        private HttpRequest.Builder request(String pathOrUrl) {
            URI uri = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : base.resolve(pathOrUrl);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            return b;
        }

        private HttpRequest.Builder get(String path) {
            return request(path).GET();
        }

        private HttpRequest.Builder head(String path) {
            return request(path).method("HEAD", HttpRequest.BodyPublishers.noBody());
        }

        private HttpRequest.Builder delete(String path) {
            return request(path).DELETE();
        }

        private HttpRequest.Builder post(String path, byte[] body) {
            return request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        }

        private HttpRequest.Builder put(String path, byte[] body) {
            return request(path).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        }

        private HttpResponse<byte[]> send(HttpRequest.Builder request) {
            try {
                synchronized (this) {
                    requests++;
                }
                return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private HttpResponse<byte[]> sendDiscarding(HttpRequest.Builder request) {
            try {
                synchronized (this) {
                    requests++;
                }
                HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
                return new StatusOnly(response);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @FunctionalInterface
    private interface Step {
        void run(int i) throws Exception;
    }

    private static HttpResponse<byte[]> expect(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri().getPath()
                    + ": expected " + status + ", got " + response.statusCode() + " "
                    + (response.body() == null ? "" : new String(response.body(), StandardCharsets.UTF_8)));
        }
        return response;
    }

    private static String location(HttpResponse<byte[]> response) {
        return response.headers().firstValue("Location")
                .orElseThrow(() -> new IllegalStateException("no Location in the answer to " + response.request().uri()));
    }

    private static String withDigest(String location, Digest digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    private static String descriptor(String mediaType, Digest digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    /** A response whose body was discarded: only its status and request are kept. */
    private record StatusOnly(HttpResponse<Void> response) implements HttpResponse<byte[]> {
        @Override
        public int statusCode() {
            return response.statusCode();
        }

        @Override
        public HttpRequest request() {
            return response.request();
        }

        @Override
        public java.util.Optional<HttpResponse<byte[]>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return response.headers();
        }

        @Override
        public byte[] body() {
            return null;
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return response.sslSession();
        }

        @Override
        public URI uri() {
            return response.uri();
        }

        @Override
        public HttpClient.Version version() {
            return response.version();
        }
    }
}
