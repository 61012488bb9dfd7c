package dev.wharf.client;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Images on disk for client tests, written here byte by byte (not with the client's own writers,
 * so the client is checked against independent content): OCI image layouts with one image, a
 * multi-platform index or an artifact, and {@code docker save} archives.
 */
public final class TestContent {

    private TestContent() {
    }

    /** A blob as the layout holds it. */
    public record Blob(String mediaType, byte[] bytes, Digest digest) {
        public static Blob of(String mediaType, byte[] bytes) {
            return new Blob(mediaType, bytes, Digest.sha256(bytes));
        }

        public String descriptor() {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + bytes.length + "}";
        }
    }

    /** An image manifest with its blobs. */
    public record Image(Blob manifest, Blob config, List<Blob> layers) {
        public Digest digest() {
            return manifest.digest();
        }

        public long size() {
            long n = config.bytes().length;
            for (Blob l : layers) {
                n += l.bytes().length;
            }
            return n;
        }
    }

    /** A new random image: a config for {@code os/arch} and {@code layers} layers of {@code layerSize} random bytes. */
    public static Image image(String os, String arch, int layers, int layerSize) {
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"" + os + "\",\"created\":\"2024-01-01T00:00:00Z\","
                + "\"config\":{\"Cmd\":[\"/bin/true\"],\"Env\":[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]},\"nonce\":\"" + System.nanoTime() + "\"}").getBytes(StandardCharsets.UTF_8);
        Blob configBlob = Blob.of(MediaTypes.OCI_CONFIG, config);
        List<Blob> layerBlobs = new ArrayList<>();
        List<String> descriptors = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            Blob layer = Blob.of(MediaTypes.OCI_LAYER_GZIP, TestData.random(layerSize + i));
            layerBlobs.add(layer);
            descriptors.add(layer.descriptor());
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + configBlob.descriptor() + ",\"layers\":[" + String.join(",", descriptors) + "]}";
        return new Image(Blob.of(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8)), configBlob,
                layerBlobs);
    }

    /** An index of images, each with its platform. */
    public static Blob index(List<Image> images) {
        List<String> entries = new ArrayList<>();
        for (Image image : images) {
            String config = new String(image.config().bytes(), StandardCharsets.UTF_8);
            String os = field(config, "os");
            String arch = field(config, "architecture");
            entries.add("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.digest() + "\",\"size\":"
                    + image.manifest().bytes().length + ",\"platform\":{\"architecture\":\"" + arch + "\",\"os\":\"" + os + "\"}}");
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + String.join(",", entries) + "]}";
        return Blob.of(MediaTypes.OCI_INDEX, index.getBytes(StandardCharsets.UTF_8));
    }

    /** An artifact (a signature, say) that refers to {@code subject}. */
    public static Image artifact(String artifactType, Digest subject, long subjectSize, String subjectType) {
        Blob config = Blob.of(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
        Blob payload = Blob.of("application/octet-stream", ("signature " + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
                + artifactType + "\",\"config\":" + config.descriptor() + ",\"layers\":[" + payload.descriptor()
                + "],\"subject\":{\"mediaType\":\"" + subjectType + "\",\"digest\":\"" + subject + "\",\"size\":"
                + subjectSize + "},\"annotations\":{\"org.example.kind\":\"test\"}}";
        return new Image(Blob.of(MediaTypes.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8)), config, List.of(payload));
    }

    private static String field(String json, String name) {
        int i = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return json.substring(i, json.indexOf('"', i));
    }

    /** Writes an OCI layout holding {@code images} (and optionally an index over them) named {@code refName}. */
    public static Path layout(Path dir, String refName, Blob index, List<Image> images) {
        try {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            for (Image image : images) {
                writeBlob(dir, image.manifest());
                writeBlob(dir, image.config());
                for (Blob layer : image.layers()) {
                    writeBlob(dir, layer);
                }
            }
            Blob top = index != null ? index : images.get(0).manifest();
            if (index != null) {
                writeBlob(dir, index);
            }
            String entry = "{\"mediaType\":\"" + top.mediaType() + "\",\"digest\":\"" + top.digest() + "\",\"size\":"
                    + top.bytes().length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}}";
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + entry + "]}");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path layout(Path dir, String refName, Image image) {
        return layout(dir, refName, null, List.of(image));
    }

    private static void writeBlob(Path dir, Blob blob) throws IOException {
        Files.write(dir.resolve("blobs/sha256/" + blob.digest().hex()), blob.bytes());
    }

    // ---- docker save archives ----------------------------------------------------------------

    /**
     * Writes a {@code docker save} archive (legacy layout: {@code <id>/layer.tar}, {@code <config>.json},
     * {@code manifest.json}) of one image with {@code layers} real tar layers of {@code fileSize} random bytes.
     *
     * @return the config's digest
     */
    public static Digest dockerSave(Path tar, String repoTag, int layers, int fileSize) {
        try (OutputStream out = Files.newOutputStream(tar)) {
            List<String> diffIds = new ArrayList<>();
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                ByteArrayOutputStream layer = new ByteArrayOutputStream();
                tarEntry(layer, "data/file" + i + ".bin", TestData.random(fileSize));
                layer.write(new byte[1024]);
                byte[] bytes = layer.toByteArray();
                Digest diffId = Digest.sha256(bytes);
                diffIds.add("\"" + diffId + "\"");
                String path = diffId.hex() + "/layer.tar";
                paths.add("\"" + path + "\"");
                tarEntry(out, path, bytes);
            }
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/true\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]},\"nonce\":\""
                    + System.nanoTime() + "\"}").getBytes(StandardCharsets.UTF_8);
            Digest configDigest = Digest.sha256(config);
            tarEntry(out, configDigest.hex() + ".json", config);
            String manifest = "[{\"Config\":\"" + configDigest.hex() + ".json\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":["
                    + String.join(",", paths) + "]}]";
            tarEntry(out, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[1024]);
            return configDigest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One ustar entry: header, data, padding. */
    static void tarEntry(OutputStream out, String name, byte[] data) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o\0", data.length));
        put(h, 136, String.format("%011o\0", 0));
        h[156] = '0';
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o\0 ", sum));
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int offset, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }
}
