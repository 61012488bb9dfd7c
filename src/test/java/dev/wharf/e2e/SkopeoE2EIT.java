package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.Tools;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skopeo copy} between an OCI layout directory and the registry, and between repositories. */
class SkopeoE2EIT {

    private final RegistryServer server = RegistryServer.shared();
    private final RegistryHttp http = new RegistryHttp(server.base());

    @TempDir
    Path dir;

    @BeforeEach
    void needsSkopeo() {
        Tools.require("skopeo", "skopeo");
    }

    private Tools.Result skopeo(String... args) {
        List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
        command.addAll(List.of(args));
        return Tools.run(dir, 300, command.toArray(String[]::new));
    }

    /** Writes an OCI image layout with a config and {@code layers} layers; returns the manifest digest. */
    private Digest writeLayout(Path layout, String tag, int layers) throws IOException {
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        StringBuilder layerJson = new StringBuilder();
        StringBuilder diffIds = new StringBuilder();
        for (int i = 0; i < layers; i++) {
            byte[] layer = gzip(TestData.random(200_000 + i));
            Digest d = Digest.sha256(layer);
            Files.write(blobs.resolve(d.hex()), layer);
            layerJson.append(i == 0 ? "" : ",").append(RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, d, layer.length));
            diffIds.append(i == 0 ? "" : ",").append('"').append(d).append('"');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256(config);
        Files.write(blobs.resolve(configDigest.hex()), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                + layerJson + "]}").getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = Digest.sha256(manifest);
        Files.write(blobs.resolve(manifestDigest.hex()), manifest);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        return manifestDigest;
    }

    /** Real gzip streams: skopeo recompresses layers whose bytes do not match their media type. */
    private static byte[] gzip(byte[] content) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(content);
        }
        return out.toByteArray();
    }

    @Test
    void copiesFromAnOciLayoutToTheRegistryAndBack() throws IOException {
        Path layout = dir.resolve("in");
        Digest digest = writeLayout(layout, "v1", 3);
        String repo = TestData.repository("skopeo");
        String remote = "docker://" + server.hostPort() + "/" + repo + ":v1";

        skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", remote).orFail();
        assertThat(http.head("/v2/" + repo + "/manifests/" + digest, "Accept", MediaTypes.OCI_MANIFEST).statusCode())
                .as("skopeo keeps the manifest byte-exact, so its digest is unchanged").isEqualTo(200);

        Path out = dir.resolve("out");
        skopeo("copy", "--src-tls-verify=false", remote, "oci:" + out + ":v1").orFail();
        assertThat(out.resolve("blobs/sha256").resolve(digest.hex())).hasSameBinaryContentAs(
                layout.resolve("blobs/sha256").resolve(digest.hex()));
        String inspect = skopeo("inspect", "--tls-verify=false", "--raw", remote).orFail().output();
        assertThat(Digest.sha256(inspect.strip().getBytes(StandardCharsets.UTF_8))).isEqualTo(digest);
    }

    @Test
    void copiesBetweenRepositoriesByMountingBlobs() throws IOException {
        Path layout = dir.resolve("src");
        writeLayout(layout, "v1", 2);
        String from = "docker://" + server.hostPort() + "/" + TestData.repository("skopeo-from") + ":v1";
        String toRepo = TestData.repository("skopeo-to");
        String to = "docker://" + server.hostPort() + "/" + toRepo + ":v1";
        skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", from).orFail();

        MeterRegistry meters = server.bean(MeterRegistry.class);
        double mountsBefore = meters.counter("wharf.blob.mounts").count();
        skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", from, to).orFail();
        assertThat(meters.counter("wharf.blob.mounts").count() - mountsBefore)
                .as("every layer was mounted, not uploaded again").isGreaterThanOrEqualTo(2);
        assertThat(http.get("/v2/" + toRepo + "/manifests/v1", "Accept", MediaTypes.OCI_MANIFEST).statusCode()).isEqualTo(200);
    }
}
