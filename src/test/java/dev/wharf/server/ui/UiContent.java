package dev.wharf.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.GoldenImages;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Content and accounts for the UI tests, made over real HTTP on an auth-enabled server: the
 * management API as admin, and pushes with Basic credentials (as simple clients do).
 */
final class UiContent {

    final RegistryHttp http;
    private final String admin;

    UiContent(RegistryServer server) {
        this.http = new RegistryHttp(server.base());
        this.admin = basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);
    }

    static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<byte[]> send(String method, String path, String authorization, byte[] body, String... headers) {
        HttpRequest.Builder b = http.request(path);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build());
    }

    /** A management API call as admin that must succeed. */
    void api(String method, String path, String json) {
        HttpResponse<byte[]> r = send(method, path, admin, json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body(), StandardCharsets.UTF_8))
                .isBetween(200, 299);
    }

    void createUser(String name, String password) {
        api("POST", "/api/v1/users", "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
    }

    void createOrganization(String name, String owner) {
        api("POST", "/api/v1/orgs", "{\"name\":\"" + name + "\"}");
        api("PUT", "/api/v1/orgs/" + name + "/members/" + owner, "{\"role\":\"owner\"}");
    }

    void setVisibility(String repository, String visibility) {
        api("PATCH", "/api/v1/repositories/" + repository, "{\"visibility\":\"" + visibility + "\"}");
    }

    Digest pushBlob(String repository, byte[] content) {
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest, admin, content,
                "Content-Type", "application/octet-stream");
        RegistryHttp.check(r, 201);
        return digest;
    }

    void putManifest(String repository, String reference, String mediaType, byte[] manifest) {
        RegistryHttp.check(send("PUT", "/v2/" + repository + "/manifests/" + reference, admin, manifest,
                "Content-Type", mediaType), 201);
    }

    /** A one-layer image with a small config; the digest of its manifest. */
    Digest pushSmallImage(String repository, String tag) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/true\"]},"
                + "\"history\":[{\"created_by\":\"COPY app /app # buildkit\"}],\"n\":\"" + System.nanoTime() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        Digest configDigest = pushBlob(repository, config);
        byte[] layer = dev.wharf.testing.TestData.random(700);
        Digest layerDigest = pushBlob(repository, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                + RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, layerDigest, layer.length) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        putManifest(repository, tag, MediaTypes.OCI_MANIFEST, manifest);
        return Digest.sha256(manifest);
    }

    /**
     * The golden multi-platform index under {@code tag}, its two images, and an SBOM whose subject
     * is the amd64 image.
     */
    void pushGoldenIndex(String repository, String tag) {
        for (String blob : GoldenImages.BLOBS) {
            pushBlob(repository, GoldenImages.blob(blob));
        }
        for (String m : new String[] {GoldenImages.OCI_MANIFEST, GoldenImages.OCI_MANIFEST_ARM64, GoldenImages.ARTIFACT}) {
            putManifest(repository, GoldenImages.digest(m).toString(), MediaTypes.OCI_MANIFEST, GoldenImages.manifest(m));
        }
        putManifest(repository, tag, MediaTypes.OCI_INDEX, GoldenImages.manifest(GoldenImages.OCI_INDEX));
    }
}
