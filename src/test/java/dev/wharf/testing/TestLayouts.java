package dev.wharf.testing;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * OCI image layouts on disk, written byte by byte (not with the client's writers), for pushes by
 * skopeo and the wharf client: a config and gzip layers of random content, one image per layout.
 */
public final class TestLayouts {

    private TestLayouts() {
    }

    /** A blob of the layout: its digest and bytes. */
    public record Blob(Digest digest, byte[] bytes) {
    }

    /** The image a layout holds: its manifest and every blob the manifest names. */
    public record Image(Path layout, String tag, Blob manifest, List<Blob> blobs) {
    }

    /** Writes a layout holding one image tagged {@code tag}, with {@code layers} layers of about {@code layerBytes}. */
    public static Image write(Path layout, String tag, int layers, int layerBytes) {
        try {
            Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
            Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            List<Blob> written = new ArrayList<>();
            StringBuilder layerJson = new StringBuilder();
            StringBuilder diffIds = new StringBuilder();
            for (int i = 0; i < layers; i++) {
                byte[] content = TestData.random(layerBytes + i);
                Blob layer = put(blobs, gzip(content));
                written.add(layer);
                layerJson.append(i == 0 ? "" : ",").append(RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP,
                        layer.digest(), layer.bytes().length));
                diffIds.append(i == 0 ? "" : ",").append('"').append(Digest.sha256(content)).append('"');
            }
            Blob config = put(blobs, ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[" + diffIds + "]},\"nonce\":\"" + System.nanoTime() + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            written.add(0, config);
            Blob manifest = put(blobs, ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                    + "\",\"config\":" + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, config.digest(),
                    config.bytes().length) + ",\"layers\":[" + layerJson + "]}").getBytes(StandardCharsets.UTF_8));
            Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                    + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + manifest.digest() + "\",\"size\":"
                    + manifest.bytes().length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag
                    + "\"}}]}");
            return new Image(layout, tag, manifest, List.copyOf(written));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Blob put(Path blobs, byte[] bytes) throws IOException {
        Digest digest = Digest.sha256(bytes);
        Files.write(blobs.resolve(digest.hex()), bytes);
        return new Blob(digest, bytes);
    }

    /** Real gzip streams: skopeo recompresses layers whose bytes do not match their media type. */
    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        }
        return out.toByteArray();
    }
}
