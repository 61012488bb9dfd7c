package dev.wharf.client;

import dev.wharf.client.archive.DockerArchive;
import dev.wharf.client.archive.GzipCompressingStream;
import dev.wharf.client.archive.LocalFiles;
import dev.wharf.client.archive.ManifestJson;
import dev.wharf.client.archive.OciLayout;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Json;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pushes an image from disk: an OCI image layout (directory or tar) or a {@code docker save}
 * archive. Blobs go first, in parallel; manifests last, children of an index before the index.
 */
final class Pusher {

    private static final JsonMapper JSON = Json.MAPPER;

    private final Registry registry;
    private final ClientOptions options;
    private final BlobInfoCache cache;
    private final TransferStats stats;

    Pusher(Registry registry, ClientOptions options, BlobInfoCache cache, TransferStats stats) {
        this.registry = registry;
        this.options = options;
        this.cache = cache;
        this.stats = stats;
    }

    TransferResult push(Path source, ImageReference target, PushOptions pushOptions) throws IOException {
        try (LocalFiles files = LocalFiles.open(source)) {
            if (OciLayout.isLayout(files)) {
                return pushLayout(new OciLayout(files), target, pushOptions);
            }
            if (DockerArchive.isArchive(files)) {
                return pushArchive(files, target, pushOptions);
            }
            throw new IllegalArgumentException(source + " is neither an OCI image layout (oci-layout, index.json)"
                    + " nor a docker save archive (manifest.json)");
        }
    }

    // ---- OCI layout --------------------------------------------------------------------------

    private TransferResult pushLayout(OciLayout layout, ImageReference target, PushOptions pushOptions)
            throws IOException {
        Descriptor entry = chooseEntry(layout, pushOptions.sourceName(), target);
        ManifestPayload root = layout.manifest(entry);
        ImageGraph graph = ImageGraph.walk(root, layout::manifest);
        RepositoryName repository = target.repository();
        BlobUploader uploader = new BlobUploader(registry, options, stats);
        List<Runnable> tasks = new ArrayList<>();
        List<String> labels = labels(graph.blobs());
        int index = 0;
        for (Descriptor blob : graph.blobs()) {
            long size = layout.blobSize(blob.digest());
            if (size < 0) {
                throw new IllegalArgumentException(layout.files().describe() + " lacks blob " + blob.digest());
            }
            if (size != blob.size()) {
                throw new IllegalArgumentException(layout.files().describe() + ": blob " + blob.digest() + " has "
                        + size + " bytes, but the manifest says " + blob.size());
            }
            String label = labels.get(index++);
            tasks.add(() -> {
                String id = blob.digest().toString();
                stats.blobStarted(id, label, blob.size());
                BlobSource source = new BlobSource() {
                    @Override
                    public long size() {
                        return blob.size();
                    }

                    @Override
                    public InputStream open(long offset) throws IOException {
                        return layout.openBlob(blob.digest(), offset);
                    }
                };
                uploader.upload(repository, id, source, blob.digest(),
                        cache.locations(target.registry(), blob.digest()));
                cache.recordLocation(target.registry(), repository, blob.digest());
            });
        }
        Parallel.run(options.parallelism(), tasks);
        putManifests(graph, target);
        return stats.result(target.withDigest(root.digest()).toString(), root.digest(), root.mediaType(),
                graph.blobs().size());
    }

    private static Descriptor chooseEntry(OciLayout layout, String wanted, ImageReference target) throws IOException {
        List<Descriptor> entries = layout.entries();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(layout.files().describe() + " holds no image (index.json is empty)");
        }
        List<String> names = new ArrayList<>();
        for (Descriptor d : entries) {
            String name = d.annotations().get(OciLayout.REF_NAME);
            names.add(name == null ? d.digest().toString() : name);
            if (wanted != null && (wanted.equals(name) || wanted.equals(d.digest().toString()))) {
                return d;
            }
        }
        if (wanted != null) {
            throw new IllegalArgumentException(layout.files().describe() + " has no image named " + wanted
                    + "; it has: " + String.join(", ", names));
        }
        if (entries.size() == 1) {
            return entries.get(0);
        }
        if (target.tag() != null) {
            for (Descriptor d : entries) {
                if (target.tag().value().equals(d.annotations().get(OciLayout.REF_NAME))) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException(layout.files().describe() + " holds " + entries.size()
                + " images; choose one with --source-name: " + String.join(", ", names));
    }

    // ---- docker save archive -----------------------------------------------------------------

    private TransferResult pushArchive(LocalFiles files, ImageReference target, PushOptions pushOptions)
            throws IOException {
        DockerArchive.Image image = chooseImage(files, DockerArchive.images(files), pushOptions.sourceName());
        byte[] configBytes = files.read(image.config(), 16 * 1024 * 1024);
        Digest configDigest = Digest.sha256(configBytes);
        List<Digest> diffIds = diffIds(configBytes);
        RepositoryName repository = target.repository();
        BlobUploader uploader = new BlobUploader(registry, options, stats);
        int count = image.layers().size();
        AtomicReferenceArray<Descriptor> layers = new AtomicReferenceArray<>(count);
        List<Runnable> tasks = new ArrayList<>();
        Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length);
        tasks.add(() -> {
            String id = configDigest.toString();
            stats.blobStarted(id, "config", configBytes.length);
            uploader.upload(repository, id, BlobSource.skipping(configBytes.length,
                    () -> new ByteArrayInputStream(configBytes)), configDigest, List.of());
        });
        for (int i = 0; i < count; i++) {
            int n = i;
            String path = image.layers().get(i);
            Digest diffId = n < diffIds.size() ? diffIds.get(n) : null;
            tasks.add(() -> layers.set(n, pushLayer(uploader, files, path, diffId, target, pushOptions,
                    "layer " + (n + 1) + "/" + count)));
        }
        Parallel.run(options.parallelism(), tasks);
        List<Descriptor> layerList = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            layerList.add(layers.get(i));
        }
        ManifestPayload manifest = ManifestJson.image(config, layerList, Map.of());
        put(target.repository(), target.reference(), manifest, target);
        return stats.result(target.withDigest(manifest.digest()).toString(), manifest.digest(), manifest.mediaType(),
                count + 1);
    }

    private Descriptor pushLayer(BlobUploader uploader, LocalFiles files, String path, Digest diffId,
                                 ImageReference target, PushOptions pushOptions, String label) {
        try {
            long size = files.size(path);
            if (size < 0) {
                throw new IllegalArgumentException(files.describe() + " lacks layer " + path);
            }
            String kind = sniff(files, path);
            RepositoryName repository = target.repository();
            if (kind == null && pushOptions.compression() == PushOptions.Compression.GZIP) {
                String compression = "gzip-" + pushOptions.gzipLevel();
                int level = pushOptions.gzipLevel();
                BlobInfoCache.Compressed known = diffId == null ? null : cache.compressed(diffId, compression);
                if (known != null) {
                    try {
                        String id = known.digest().toString();
                        stats.blobStarted(id, label, known.size());
                        uploader.upload(repository, id, BlobSource.skipping(known.size(),
                                () -> new GzipCompressingStream(files.open(path, 0), level)), known.digest(),
                                cache.locations(target.registry(), known.digest()));
                        cache.recordLocation(target.registry(), repository, known.digest());
                        return new Descriptor(MediaTypes.OCI_LAYER_GZIP, known.digest(), known.size());
                    } catch (RegistryException.IntegrityFailure e) {
                        // compressed differently this time (another zlib): push what comes out now
                    }
                }
                String id = "layer:" + path;
                stats.blobStarted(id, label, -1);
                BlobUploader.Uploaded up = uploader.upload(repository, id, BlobSource.skipping(-1,
                        () -> new GzipCompressingStream(files.open(path, 0), level)), null, List.of());
                if (diffId != null) {
                    cache.recordCompressed(diffId, compression, up.digest(), up.size());
                }
                cache.recordLocation(target.registry(), repository, up.digest());
                return new Descriptor(MediaTypes.OCI_LAYER_GZIP, up.digest(), up.size());
            }
            // as it is: the digest is the diff ID for a plain tar, the file name for a content-addressed
            // path (blobs/sha256/<hex>), else read from the file; the upload verifies it either way
            Digest digest = kind == null && diffId != null ? diffId : contentAddress(path);
            if (digest == null) {
                digest = hash(files, path);
            }
            String mediaType = kind == null ? MediaTypes.OCI_LAYER_TAR
                    : kind.equals("gzip") ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER_ZSTD;
            String id = digest.toString();
            stats.blobStarted(id, label, size);
            uploader.upload(repository, id, new BlobSource() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public InputStream open(long offset) throws IOException {
                    return files.open(path, offset);
                }
            }, digest, cache.locations(target.registry(), digest));
            cache.recordLocation(target.registry(), repository, digest);
            return new Descriptor(mediaType, digest, size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DockerArchive.Image chooseImage(LocalFiles files, List<DockerArchive.Image> images, String wanted) {
        if (wanted != null) {
            for (DockerArchive.Image image : images) {
                if (image.repoTags().contains(wanted)) {
                    return image;
                }
            }
            List<String> names = new ArrayList<>();
            images.forEach(i -> names.addAll(i.repoTags()));
            throw new IllegalArgumentException(files.describe() + " has no image tagged " + wanted + "; it has: "
                    + String.join(", ", names));
        }
        if (images.size() > 1) {
            List<String> names = new ArrayList<>();
            images.forEach(i -> names.addAll(i.repoTags()));
            throw new IllegalArgumentException(files.describe() + " holds " + images.size()
                    + " images; choose one with --source-name: " + String.join(", ", names));
        }
        return images.get(0);
    }

    private static List<Digest> diffIds(byte[] config) {
        List<Digest> out = new ArrayList<>();
        try {
            JsonNode ids = JSON.readTree(config).path("rootfs").path("diff_ids");
            for (JsonNode id : ids) {
                out.add(Digest.parse(id.asString()));
            }
        } catch (RuntimeException e) {
            // no usable diff IDs: layers are digested by reading them
            return List.of();
        }
        return out;
    }

    /** "gzip", "zstd", or null for anything else (a plain tar). */
    private static String sniff(LocalFiles files, String path) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = files.open(path, 0)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return "gzip";
        }
        if (n == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return "zstd";
        }
        return null;
    }

    /** The digest a path such as {@code blobs/sha256/<hex>} names, or null. */
    static Digest contentAddress(String path) {
        String[] parts = path.split("/");
        if (parts.length >= 3 && parts[parts.length - 3].equals("blobs")) {
            String value = parts[parts.length - 2] + ":" + parts[parts.length - 1];
            try {
                return Digest.parse(value);
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static Digest hash(LocalFiles files, String path) throws IOException {
        MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
        byte[] buffer = new byte[256 * 1024];
        try (InputStream in = files.open(path, 0)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        }
        return Digest.finish(DigestAlgorithm.SHA256, md);
    }

    // ---- manifests ---------------------------------------------------------------------------

    private void putManifests(ImageGraph graph, ImageReference target) {
        for (ManifestPayload child : graph.children()) {
            put(target.repository(), new Reference.ByDigest(child.digest()), child, target);
        }
        put(target.repository(), target.reference(), graph.root(), target);
    }

    private void put(RepositoryName repository, Reference reference, ManifestPayload manifest, ImageReference target) {
        if (reference.digestOrNull() != null && !reference.digestOrNull().equals(manifest.digest())) {
            throw new IllegalArgumentException("the image's digest is " + manifest.digest() + ", not "
                    + reference.digestOrNull() + " as " + target + " says");
        }
        registry.send(new Endpoints.PutManifest(repository, reference, manifest));
        stats.manifestWritten(target.registry() + "/" + repository + (reference.digestOrNull() == null ? ":" : "@")
                + reference, manifest.digest());
    }

    /**
     * Names for progress output: {@code config}, {@code layer 2/5} (counting layers only), or
     * {@code blob 3/7} for other content.
     */
    static List<String> labels(List<Descriptor> blobs) {
        long layers = blobs.stream().filter(Pusher::isLayer).count();
        List<String> out = new ArrayList<>(blobs.size());
        int layer = 0;
        int blob = 0;
        for (Descriptor d : blobs) {
            blob++;
            if (MediaTypes.OCI_CONFIG.equals(d.mediaType()) || MediaTypes.DOCKER_CONFIG.equals(d.mediaType())) {
                out.add("config");
            } else if (isLayer(d)) {
                out.add("layer " + ++layer + "/" + layers);
            } else {
                out.add("blob " + blob + "/" + blobs.size());
            }
        }
        return out;
    }

    private static boolean isLayer(Descriptor d) {
        return d.mediaType().contains(".layer.") || d.mediaType().contains(".rootfs.");
    }
}
