package dev.wharf.server.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Images, indexes and referrers made of known blobs, for the garbage-collection tests. */
final class Images {

    /** Content with its digest. */
    record Blob(byte[] bytes, Digest digest) {
        static Blob random(int size) {
            byte[] b = TestData.random(size);
            return new Blob(b, Digest.sha256(b));
        }

        static Blob config() {
            byte[] b = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"nonce\":\"" + System.nanoTime() + "-"
                    + Math.random() + "\"}").getBytes(StandardCharsets.UTF_8);
            return new Blob(b, Digest.sha256(b));
        }

        String descriptor(String mediaType) {
            return RegistryHttp.descriptor(mediaType, digest, bytes.length);
        }
    }

    /** A manifest's bytes and digest. */
    record Manifest(byte[] bytes, Digest digest, String mediaType) {
        String descriptor() {
            return RegistryHttp.descriptor(mediaType, digest, bytes.length);
        }
    }

    private Images() {
    }

    static Manifest image(Blob config, List<Blob> layers) {
        return image(config, layers, null);
    }

    /** An OCI image manifest; with {@code subject}, a referrer of it. */
    static Manifest image(Blob config, List<Blob> layers, Manifest subject) {
        List<String> layerJson = new ArrayList<>();
        for (Blob layer : layers) {
            layerJson.add(layer.descriptor(MediaTypes.OCI_LAYER_GZIP));
        }
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + config.descriptor(MediaTypes.OCI_CONFIG) + ",\"layers\":[" + String.join(",", layerJson) + "]"
                + (subject == null ? "" : ",\"subject\":" + subject.descriptor()) + "}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return new Manifest(bytes, Digest.sha256(bytes), MediaTypes.OCI_MANIFEST);
    }

    static Manifest index(List<Manifest> children) {
        List<String> json = new ArrayList<>();
        for (Manifest child : children) {
            json.add(child.descriptor());
        }
        byte[] bytes = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + String.join(",", json) + "]}").getBytes(StandardCharsets.UTF_8);
        return new Manifest(bytes, Digest.sha256(bytes), MediaTypes.OCI_INDEX);
    }

    /** Pushes the blobs (monolithic uploads). */
    static void pushBlobs(RegistryHttp http, String repository, List<Blob> blobs) {
        for (Blob blob : blobs) {
            RegistryHttp.check(http.post("/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(), blob.bytes(),
                    "Content-Type", "application/octet-stream"), 201);
        }
    }

    /** Pushes a manifest to {@code reference} (a tag or its digest). */
    static void put(RegistryHttp http, String repository, String reference, Manifest manifest) {
        RegistryHttp.check(http.putManifest(repository, reference, manifest.mediaType(), manifest.bytes()), 201);
    }

    /** Pushes config, layers and the image manifest under {@code tag} (or by digest when null). */
    static Manifest pushImage(RegistryHttp http, String repository, String tag, Blob config, List<Blob> layers) {
        List<Blob> all = new ArrayList<>(layers);
        all.add(config);
        pushBlobs(http, repository, all);
        Manifest manifest = image(config, layers);
        put(http, repository, tag == null ? manifest.digest().toString() : tag, manifest);
        return manifest;
    }

    /** {@code POST /api/v1/gc} (as the anonymous admin of a server without auth). */
    static JsonNode collect(RegistryHttp http, String query) {
        HttpResponse<byte[]> response = http.post("/api/v1/gc" + query, new byte[0]);
        RegistryHttp.check(response, 200);
        return RegistryHttp.json(response);
    }

    static JsonNode collect(RegistryHttp http) {
        return collect(http, "");
    }

    static int status(RegistryHttp http, String repository, Digest blob) {
        return http.head("/v2/" + repository + "/blobs/" + blob).statusCode();
    }

    static int manifestStatus(RegistryHttp http, String repository, String reference) {
        return http.head("/v2/" + repository + "/manifests/" + reference, "Accept",
                MediaTypes.OCI_MANIFEST + "," + MediaTypes.OCI_INDEX).statusCode();
    }

    /** The file of a blob in a filesystem store rooted at {@code root}. */
    static Path file(Path root, Digest digest) {
        return root.resolve("blobs").resolve(digest.algorithm().prefix()).resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex());
    }

    static void assertStored(Path root, Blob blob) throws java.io.IOException {
        assertThat(Files.readAllBytes(file(root, blob.digest()))).isEqualTo(blob.bytes());
    }
}
