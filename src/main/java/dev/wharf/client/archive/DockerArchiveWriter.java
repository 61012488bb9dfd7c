package dev.wharf.client.archive;

import dev.wharf.client.registry.Json;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes one image as a tar that {@code docker load} accepts, and that is an OCI image layout as
 * well ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/...}), like the archives of
 * Docker 25 and later. Layers stay as the registry stores them (compressed); {@code docker load}
 * decompresses them.
 *
 * <p>Every entry's place in the archive follows from the sizes in the manifest, so blobs are
 * written in parallel straight into their regions of one temporary file; the archive is renamed
 * into place only by {@link #finish()}, after every blob was verified. {@link #abort()} removes the
 * temporary file.
 */
public final class DockerArchiveWriter implements AutoCloseable {

    private static final JsonMapper JSON = Json.MAPPER;

    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final ManifestPayload manifest;
    private final List<String> repoTags;
    private final Map<Digest, Long> dataOffsets = new LinkedHashMap<>();
    private final long trailerOffset;
    private final long mtime = 0;
    private boolean finished;

    /**
     * Lays out the archive of an image manifest.
     *
     * @param target   the archive to write
     * @param manifest the image manifest (not an index)
     * @param repoTags the names {@code docker load} gives the image, e.g. {@code team/app:1.0}
     */
    public DockerArchiveWriter(Path target, ManifestPayload manifest, List<String> repoTags) throws IOException {
        if (manifest.isIndex()) {
            throw new IllegalArgumentException("a docker archive holds one image manifest, not an index");
        }
        this.target = target.toAbsolutePath();
        this.manifest = manifest;
        this.repoTags = List.copyOf(repoTags);
        Path dir = this.target.getParent();
        Files.createDirectories(dir);
        this.tmp = Files.createTempFile(dir, "." + this.target.getFileName(), ".partial");
        this.channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.READ);
        long position = 0;
        List<Descriptor> blobs = manifest.blobs();
        try {
            for (Descriptor blob : blobs) {
                if (dataOffsets.containsKey(blob.digest())) {
                    continue;
                }
                byte[] header = TarHeaders.file(OciLayout.blobPath(blob.digest()), blob.size(), mtime);
                writeAt(ByteBuffer.wrap(header), position);
                position += header.length;
                dataOffsets.put(blob.digest(), position);
                position += TarHeaders.padded(blob.size());
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        this.trailerOffset = position;
    }

    /** A region of the archive for one blob of the manifest. */
    public BlobTarget blob(Digest digest) {
        Long start = dataOffsets.get(digest);
        if (start == null) {
            throw new IllegalArgumentException(digest + " is not a blob of the manifest");
        }
        return new BlobTarget() {
            private long written;

            @Override
            public void write(ByteBuffer bytes) throws IOException {
                while (bytes.hasRemaining()) {
                    written += channel.write(bytes, start + written);
                }
            }

            @Override
            public long written() {
                return written;
            }

            @Override
            public void truncate(long size) {
                written = size;
            }

            @Override
            public void commit() {
                // final with the archive
            }

            @Override
            public void abort() {
                // the archive as a whole is aborted
            }
        };
    }

    /** Writes {@code manifest.json}, the layout files and the end of the archive, then renames it into place. */
    public void finish() throws IOException {
        long position = trailerOffset;
        Descriptor config = manifest.config();
        ObjectNode entry = JSON.createObjectNode();
        entry.put("Config", OciLayout.blobPath(config.digest()));
        ArrayNode tags = entry.putArray("RepoTags");
        repoTags.forEach(tags::add);
        ArrayNode layers = entry.putArray("Layers");
        for (Descriptor layer : manifest.layers()) {
            layers.add(OciLayout.blobPath(layer.digest()));
        }
        ArrayNode manifestJson = JSON.createArrayNode();
        manifestJson.add(entry);

        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (!repoTags.isEmpty()) {
            annotations.put("io.containerd.image.name", repoTags.get(0));
            String tag = repoTags.get(0).substring(repoTags.get(0).lastIndexOf(':') + 1);
            annotations.put(OciLayout.REF_NAME, tag);
        }
        index.putArray("manifests").add(OciLayoutWriter.descriptorJson(manifest.descriptor(), annotations, null));

        List<Map.Entry<String, byte[]>> files = new ArrayList<>();
        files.add(Map.entry(OciLayout.blobPath(manifest.digest()), manifest.bytes()));
        files.add(Map.entry("manifest.json", JSON.writeValueAsBytes(manifestJson)));
        files.add(Map.entry("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8)));
        files.add(Map.entry("index.json", JSON.writeValueAsBytes(index)));
        for (Map.Entry<String, byte[]> f : files) {
            byte[] header = TarHeaders.file(f.getKey(), f.getValue().length, mtime);
            writeAt(ByteBuffer.wrap(header), position);
            position += header.length;
            writeAt(ByteBuffer.wrap(f.getValue()), position);
            position += TarHeaders.padded(f.getValue().length);
        }
        writeAt(ByteBuffer.wrap(TarHeaders.end()), position);
        position += TarHeaders.end().length;
        channel.truncate(position);
        channel.close();
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        finished = true;
    }

    /** Removes the temporary file; nothing appears at the target. Safe to call twice. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void writeAt(ByteBuffer bytes, long position) throws IOException {
        long p = position;
        while (bytes.hasRemaining()) {
            p += channel.write(bytes, p);
        }
    }
}
