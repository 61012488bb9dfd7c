import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Small-request rates of a registry's hot paths, to compare two builds side by side (run it
 * alternately against each). Anonymous, plain HTTP, keep-alive, CLIENTS threads:
 *
 * <pre>
 * java scripts/bench/HotPaths.java http://127.0.0.1:5101 [N] [CLIENTS] [ONLY]
 * </pre>
 *
 * Prints one line per figure: {@code mono_upload_4k} (POST ?digest=), {@code session_upload_4k}
 * (POST + PUT), {@code manifest_put_tag} (a new tag each), {@code blob_head} and {@code blob_get}
 * (a 4 KiB blob), {@code manifest_get_tag}: requests (or uploads) per second. {@code ONLY} runs the
 * figures whose names start with it.
 */
public class HotPaths {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static String base;
    static String repo;
    static String only = "";

    public static void main(String[] args) throws Exception {
        base = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        only = args.length > 3 ? args[3] : "";
        repo = "hot/r" + System.nanoTime();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":" + System.nanoTime() + "}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = monolithic(config);
        String layerDigest = monolithic(random(4096));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":4096}]}";
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        check(send("PUT", "/v2/" + repo + "/manifests/latest", manifestBytes,
                "application/vnd.oci.image.manifest.v1+json"), 201);

        rate("mono_upload_4k", n, clients, i -> monolithic(random(4096)));
        rate("session_upload_4k", n, clients, i -> {
            HttpResponse<byte[]> start = send("POST", "/v2/" + repo + "/blobs/uploads/", new byte[0], null);
            check(start, 202);
            byte[] content = random(4096);
            String location = start.headers().firstValue("Location").orElseThrow();
            check(send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest(content), content,
                    "application/octet-stream"), 201);
        });
        rate("manifest_put_tag", n, clients, i -> check(send("PUT", "/v2/" + repo + "/manifests/t" + i + "-"
                + Thread.currentThread().getId(), manifestBytes, "application/vnd.oci.image.manifest.v1+json"), 201));
        rate("blob_head", n * 5, clients, i -> check(send("HEAD", "/v2/" + repo + "/blobs/" + layerDigest, null, null), 200));
        rate("blob_get", n * 5, clients, i -> check(send("GET", "/v2/" + repo + "/blobs/" + layerDigest, null, null), 200));
        rate("manifest_get_tag", n * 5, clients, i -> check(send("GET", "/v2/" + repo + "/manifests/latest", null, null),
                200));
    }

    interface Step {
        void run(int i) throws Exception;
    }

    static void rate(String name, int n, int clients, Step step) throws Exception {
        if (!name.startsWith(only)) {
            return;
        }
        for (int i = 0; i < Math.min(50, n / 10); i++) {
            step.run(-1 - i); // warm-up
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        long started = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < n; ) {
                    step.run(i);
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("%s %.0f /s%n", name, n / ((System.nanoTime() - started) / 1e9));
    }

    static String monolithic(byte[] content) throws Exception {
        String digest = digest(content);
        check(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content, "application/octet-stream"), 201);
        return digest;
    }

    static HttpResponse<byte[]> send(String method, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static void check(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri() + " -> "
                    + response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    static byte[] random(int size) {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    static String digest(byte[] content) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
