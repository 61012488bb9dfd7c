package dev.wharf.testing;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A thin HTTP client for endpoint tests: raw requests against a {@link RegistryServer}, so tests
 * see exactly the statuses, headers and bodies a registry client would.
 */
public final class RegistryHttp {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    public RegistryHttp(URI base) {
        this.base = base;
    }

    /** A request builder for {@code path} (absolute, or relative to the server). */
    public HttpRequest.Builder request(String path) {
        URI uri = path.startsWith("http") ? URI.create(path) : base.resolve(path);
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
    }

    public HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<byte[]> get(String path, String... headers) {
        return send(with(request(path), headers).GET().build());
    }

    public HttpResponse<byte[]> head(String path, String... headers) {
        return send(with(request(path), headers).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    public HttpResponse<byte[]> delete(String path) {
        return send(request(path).DELETE().build());
    }

    public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
        return send(with(request(path), headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public HttpResponse<byte[]> put(String path, byte[] body, String... headers) {
        return send(with(request(path), headers).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public HttpResponse<byte[]> patch(String path, byte[] body, String... headers) {
        return send(with(request(path), headers).method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static HttpRequest.Builder with(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    /** Pushes a blob with a POST/PUT pair and returns its digest. */
    public Digest pushBlob(String repository, byte[] content) {
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> start = post("/v2/" + repository + "/blobs/uploads/", new byte[0]);
        check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        check(put(location + (location.contains("?") ? "&" : "?") + "digest=" + digest, content,
                "Content-Type", "application/octet-stream"), 201);
        return digest;
    }

    /** Pushes a manifest and returns the response. */
    public HttpResponse<byte[]> putManifest(String repository, String reference, String mediaType, byte[] manifest) {
        return put("/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /**
     * Pushes a small image (config and {@code layers} random layers) and returns its manifest bytes.
     */
    public byte[] pushImage(String repository, String tag, int layers) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"nonce\":\"" + System.nanoTime() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        Digest configDigest = pushBlob(repository, config);
        List<String> layerJson = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            byte[] layer = TestData.random(1024 + i);
            Digest d = pushBlob(repository, layer);
            layerJson.add(descriptor(MediaTypes.OCI_LAYER_GZIP, d, layer.length));
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                + String.join(",", layerJson) + "]}";
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        check(putManifest(repository, tag, MediaTypes.OCI_MANIFEST, bytes), 201);
        return bytes;
    }

    public static String descriptor(String mediaType, Digest digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    /** The {@code code} of the first error in a spec error body. */
    public static String errorCode(HttpResponse<byte[]> response) {
        JsonNode errors = JSON.readTree(response.body()).get("errors");
        return errors.get(0).get("code").asString();
    }

    public static JsonNode json(HttpResponse<byte[]> response) {
        return JSON.readTree(response.body());
    }

    public static void check(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            throw new AssertionError(response.request().method() + " " + response.request().uri() + ": expected "
                    + status + ", got " + response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
        }
    }
}
