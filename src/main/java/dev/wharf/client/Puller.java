package dev.wharf.client;

import dev.wharf.client.archive.DockerArchiveWriter;
import dev.wharf.client.archive.OciLayoutWriter;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Pulls an image to disk: into an OCI image layout directory, or into a tar {@code docker load}
 * accepts. Every blob is verified while it streams; nothing unverified becomes final (see
 * {@link BlobDownloader}, {@link OciLayoutWriter}, {@link DockerArchiveWriter}).
 */
final class Puller {

    private final Registry registry;
    private final ClientOptions options;
    private final TransferStats stats;

    Puller(Registry registry, ClientOptions options, TransferStats stats) {
        this.registry = registry;
        this.options = options;
        this.stats = stats;
    }

    TransferResult pull(ImageReference source, Path target, PullOptions pullOptions) throws IOException {
        RepositoryName repository = source.repository();
        PullOptions.Format format = pullOptions.format() != null ? pullOptions.format()
                : target.getFileName() != null && target.getFileName().toString().endsWith(".tar")
                ? PullOptions.Format.DOCKER_ARCHIVE : PullOptions.Format.OCI_LAYOUT;
        ManifestPayload root = registry.send(new Endpoints.GetManifest(repository, source.reference()));
        Descriptor.Platform platform = pullOptions.platform();
        if (platform == null && format == PullOptions.Format.DOCKER_ARCHIVE && root.isIndex()) {
            platform = ImageGraph.hostPlatform();
        }
        ManifestPayload selected = root;
        Descriptor.Platform selectedPlatform = null;
        if (root.isIndex() && platform != null) {
            Descriptor entry = ImageGraph.select(root, platform, source.toString());
            selected = registry.send(new Endpoints.GetManifest(repository, new Reference.ByDigest(entry.digest())));
            selectedPlatform = entry.platform();
        }
        ImageGraph graph = ImageGraph.walk(selected,
                d -> registry.send(new Endpoints.GetManifest(repository, new Reference.ByDigest(d.digest()))));
        BlobDownloader downloader = new BlobDownloader(registry, stats);
        if (format == PullOptions.Format.DOCKER_ARCHIVE) {
            return pullArchive(source, target, selected, graph, downloader);
        }
        return pullLayout(source, target, pullOptions, selected, selectedPlatform, graph, downloader);
    }

    private TransferResult pullArchive(ImageReference source, Path target, ManifestPayload manifest, ImageGraph graph,
                                       BlobDownloader downloader) throws IOException {
        if (manifest.isIndex()) {
            throw new IllegalArgumentException(source + " is an index of indexes; choose a platform with --platform");
        }
        for (Descriptor layer : manifest.layers()) {
            if (MediaTypes.isNonDistributable(layer.mediaType())) {
                throw new IllegalArgumentException(source + " has a non-distributable layer (" + layer.digest()
                        + "), which a docker archive cannot hold; pull to an OCI layout instead");
            }
        }
        List<String> tags = source.tag() == null ? List.of() : List.of(source.familiarName());
        try (DockerArchiveWriter writer = new DockerArchiveWriter(target, manifest, tags)) {
            List<Runnable> tasks = new ArrayList<>();
            int count = graph.blobs().size();
            List<String> labels = Pusher.labels(graph.blobs());
            for (int i = 0; i < count; i++) {
                Descriptor blob = graph.blobs().get(i);
                String label = labels.get(i);
                tasks.add(() -> {
                    stats.blobStarted(blob.digest().toString(), label, blob.size());
                    downloader.download(source.repository(), blob, writer.blob(blob.digest()));
                });
            }
            Parallel.run(options.parallelism(), tasks);
            writer.finish();
        }
        stats.manifestWritten(target.toString(), manifest.digest());
        return stats.result(target.toString(), manifest.digest(), manifest.mediaType(), graph.blobs().size());
    }

    private TransferResult pullLayout(ImageReference source, Path target, PullOptions pullOptions,
                                      ManifestPayload selected, Descriptor.Platform platform, ImageGraph graph,
                                      BlobDownloader downloader) throws IOException {
        if (Files.isDirectory(target) && !Files.exists(target.resolve("oci-layout"))) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(target + " is a directory that is not empty and not an OCI"
                            + " layout; pull into a new directory, or name a .tar file for a docker archive");
                }
            }
        } else if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException(target + " is a file; an OCI layout is a directory"
                    + " (use --format docker-archive to write a tar)");
        }
        OciLayoutWriter writer = new OciLayoutWriter(target);
        List<Runnable> tasks = new ArrayList<>();
        int count = graph.blobs().size();
        List<String> labels = Pusher.labels(graph.blobs());
        for (int i = 0; i < count; i++) {
            Descriptor blob = graph.blobs().get(i);
            String label = labels.get(i);
            tasks.add(() -> {
                String id = blob.digest().toString();
                try {
                    if (writer.hasBlob(blob)) {
                        stats.blobFinished(id, BlobOutcome.EXISTS, blob.digest(), blob.size());
                        return;
                    }
                    stats.blobStarted(id, label, blob.size());
                    downloader.download(source.repository(), blob, writer.blob(blob.digest()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        Parallel.run(options.parallelism(), tasks);
        for (ManifestPayload m : graph.manifests()) {
            writer.writeManifest(m);
        }
        String name = pullOptions.name() != null ? pullOptions.name()
                : source.tag() != null ? source.tag().value() : null;
        writer.addToIndex(selected, platform, name);
        stats.manifestWritten(target + (name == null ? "" : ":" + name), selected.digest());
        return stats.result(target.toString(), selected.digest(), selected.mediaType(), graph.blobs().size());
    }
}
