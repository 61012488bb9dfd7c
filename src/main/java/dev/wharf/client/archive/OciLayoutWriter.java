package dev.wharf.client.archive;

import dev.wharf.client.registry.Json;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.OciException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes into an OCI image layout directory, creating it when needed. Every blob is written to a
 * temporary name next to its final place and renamed only after the caller verified it, so the
 * layout never holds a blob under a digest it does not have; {@code index.json} is replaced
 * atomically, last. Safe for parallel blob writes.
 */
public final class OciLayoutWriter {

    private static final JsonMapper JSON = Json.MAPPER;

    private final Path root;

    public OciLayoutWriter(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        Path marker = root.resolve("oci-layout");
        if (!Files.exists(marker)) {
            replace(marker, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    public Path root() {
        return root;
    }

    public Path blobPath(Digest digest) {
        return root.resolve("blobs").resolve(digest.algorithm().prefix()).resolve(digest.hex());
    }

    /** True when the layout already holds the blob (with the right size). */
    public boolean hasBlob(Descriptor descriptor) throws IOException {
        Path p = blobPath(descriptor.digest());
        return Files.isRegularFile(p) && (descriptor.size() < 0 || Files.size(p) == descriptor.size());
    }

    /** Starts writing a blob. */
    public BlobTarget blob(Digest digest) throws IOException {
        Path target = blobPath(digest);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + digest.hex().substring(0, 12), ".partial");
        FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new BlobTarget() {
            private long written;
            private boolean done;

            @Override
            public void write(ByteBuffer bytes) throws IOException {
                while (bytes.hasRemaining()) {
                    written += channel.write(bytes);
                }
            }

            @Override
            public long written() {
                return written;
            }

            @Override
            public void truncate(long size) throws IOException {
                channel.truncate(size);
                channel.position(size);
                written = size;
            }

            @Override
            public void commit() throws IOException {
                channel.close();
                move(tmp, target);
                done = true;
            }

            @Override
            public void abort() {
                if (done) {
                    return;
                }
                done = true;
                try {
                    channel.close();
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover .partial file is never mistaken for a blob
                }
            }
        };
    }

    /** Writes a manifest (already verified: its digest is over these bytes) as a blob. */
    public void writeManifest(ManifestPayload manifest) throws IOException {
        Path target = blobPath(manifest.digest());
        if (Files.isRegularFile(target) && Files.size(target) == manifest.bytes().length) {
            return;
        }
        Files.createDirectories(target.getParent());
        replace(target, manifest.bytes());
    }

    /**
     * Adds a manifest to {@code index.json}, named {@code refName} when not null; an earlier entry
     * with the same name loses it.
     */
    public synchronized void addToIndex(ManifestPayload manifest, Descriptor.Platform platform, String refName)
            throws IOException {
        Path indexFile = root.resolve("index.json");
        List<ObjectNode> kept = new ArrayList<>();
        if (Files.exists(indexFile)) {
            ManifestPayload index;
            try {
                index = ManifestPayload.parse(Files.readAllBytes(indexFile), MediaTypes.OCI_INDEX);
            } catch (OciException e) {
                throw new IOException(indexFile + " is not a valid OCI index: " + e.getMessage(), e);
            }
            for (Descriptor d : index.manifests()) {
                String name = d.annotations().get(OciLayout.REF_NAME);
                boolean sameName = refName != null && refName.equals(name);
                boolean sameUnnamed = refName == null && name == null && d.digest().equals(manifest.digest());
                if (!sameName && !sameUnnamed) {
                    kept.add(descriptorJson(d, d.annotations(), d.platform()));
                }
            }
        }
        Map<String, String> annotations = refName == null ? Map.of() : Map.of(OciLayout.REF_NAME, refName);
        kept.add(descriptorJson(manifest.descriptor(), annotations, platform));
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        kept.forEach(manifests::add);
        replace(indexFile, JSON.writeValueAsBytes(index));
    }

    static ObjectNode descriptorJson(Descriptor d, Map<String, String> annotations, Descriptor.Platform platform) {
        boolean artifact = !MediaTypes.IMAGE_MANIFESTS.contains(d.mediaType());
        return ManifestJson.descriptor(d, annotations, platform, artifact);
    }

    private static void replace(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
        try {
            Files.write(tmp, bytes);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
