package dev.wharf.client;

import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Copies an image from an {@link ImageSource} (another registry, or a registry's own storage) to a
 * registry, streaming each blob from the source into the destination's upload: nothing touches
 * the disk. Blobs the destination has are skipped; on the same registry they are mounted from the
 * source repository, and elsewhere from repositories of the destination this client saw holding
 * them. An index is copied with every platform unless one is chosen, children before the index;
 * on request the referrers follow, recursively.
 */
final class Copier {

    private final ImageSource from;
    private final Registry to;
    private final ClientOptions options;
    private final BlobInfoCache cache;
    private final TransferStats stats;

    Copier(ImageSource from, Registry to, ClientOptions options, BlobInfoCache cache, TransferStats stats) {
        this.from = from;
        this.to = to;
        this.options = options;
        this.cache = cache;
        this.stats = stats;
    }

    TransferResult copy(RepositoryName sourceRepository, Reference sourceReference, ImageReference target,
                        CopyOptions copyOptions) throws IOException {
        String source = from.describe(sourceRepository, sourceReference);
        ManifestPayload root = from.manifest(sourceRepository, sourceReference);
        if (root.isIndex() && copyOptions.platform() != null) {
            Descriptor entry = ImageGraph.select(root, copyOptions.platform(), source);
            root = from.manifest(sourceRepository, new Reference.ByDigest(entry.digest()));
        }
        Reference reference = target.reference();
        if (reference.digestOrNull() != null && !reference.digestOrNull().equals(root.digest())) {
            throw new IllegalArgumentException("the image's digest is " + root.digest() + ", not "
                    + reference.digestOrNull() + " as " + target + " says");
        }
        Copied copied = copyGraph(sourceRepository, target, root, reference, copyOptions.skipExisting());
        int blobs = copied.graph().blobs().size();
        if (root.subject() != null && !copied.root().subjectRecorded()) {
            // a referrer copied on its own: its subject's fallback index lists it
            ReferrersSupport.addToFallback(to, target.repository(), root.subject().digest(), root.descriptor());
        }
        if (copyOptions.referrers()) {
            blobs += copyReferrers(sourceRepository, target, copied.graph(), copyOptions.skipExisting());
        }
        return stats.result(target.withDigest(root.digest()).toString(), root.digest(), root.mediaType(), blobs);
    }

    /** What {@link #copyGraph} copied, and how the destination took the root manifest. */
    private record Copied(ImageGraph graph, Endpoints.PutManifestResult root) {
    }

    /**
     * Copies a manifest with its blobs and child manifests. With {@code skipExisting}, a manifest the
     * destination holds already is only put under {@code reference} (when that is a tag).
     */
    private Copied copyGraph(RepositoryName sourceRepository, ImageReference target, ManifestPayload root,
                             Reference reference, boolean skipExisting) throws IOException {
        ImageGraph graph = ImageGraph.walk(root, d -> from.manifest(sourceRepository, new Reference.ByDigest(d.digest())));
        if (skipExisting && to.send(new Endpoints.ManifestExists(target.repository(), root.digest()))) {
            if (reference.digestOrNull() == null) {
                return new Copied(graph, put(target, reference, root));
            }
            return new Copied(graph, new Endpoints.PutManifestResult(root.digest(), true));
        }
        Registry sourceRegistry = from.registry();
        boolean sameRegistry = sourceRegistry != null && sourceRegistry.base().equals(to.base());
        BlobUploader uploader = new BlobUploader(to, options, stats);
        List<Runnable> tasks = new ArrayList<>();
        int count = graph.blobs().size();
        List<String> labels = Pusher.labels(graph.blobs());
        for (int i = 0; i < count; i++) {
            Descriptor blob = graph.blobs().get(i);
            String label = labels.get(i);
            tasks.add(() -> {
                String id = blob.digest().toString();
                stats.blobStarted(id, label, blob.size());
                List<RepositoryName> mountFrom = new ArrayList<>();
                if (sameRegistry) {
                    mountFrom.add(sourceRepository);
                }
                mountFrom.addAll(cache.locations(target.registry(), blob.digest()));
                uploader.upload(target.repository(), id, remote(sourceRepository, blob), blob.digest(), mountFrom);
                cache.recordLocation(target.registry(), target.repository(), blob.digest());
            });
        }
        Parallel.run(options.parallelism(), tasks);
        for (ManifestPayload child : graph.children()) {
            put(target, new Reference.ByDigest(child.digest()), child);
        }
        return new Copied(graph, put(target, reference, root));
    }

    private Endpoints.PutManifestResult put(ImageReference target, Reference reference, ManifestPayload manifest) {
        Endpoints.PutManifestResult result = to.send(new Endpoints.PutManifest(target.repository(), reference, manifest));
        stats.manifestWritten(target.registry() + "/" + target.repository()
                + (reference.digestOrNull() == null ? ":" : "@") + reference, manifest.digest());
        return result;
    }

    /** A source blob, read again from wherever an interrupted upload resumes. */
    private BlobSource remote(RepositoryName repository, Descriptor blob) {
        return new BlobSource() {
            @Override
            public long size() {
                return blob.size();
            }

            @Override
            public InputStream open(long offset) throws IOException {
                return from.blob(repository, blob, offset);
            }
        };
    }


    /** Copies the referrers of every manifest copied, and theirs; returns how many blobs they had. */
    private int copyReferrers(RepositoryName sourceRepository, ImageReference target, ImageGraph graph,
                              boolean skipExisting) throws IOException {
        Deque<Digest> subjects = new ArrayDeque<>();
        Set<Digest> seen = new HashSet<>();
        for (ManifestPayload m : graph.manifests()) {
            subjects.add(m.digest());
            seen.add(m.digest());
        }
        int blobs = 0;
        while (!subjects.isEmpty()) {
            Digest subject = subjects.poll();
            for (Descriptor referrer : from.referrers(sourceRepository, subject)) {
                if (!seen.add(referrer.digest())) {
                    continue;
                }
                ManifestPayload manifest = from.manifest(sourceRepository, new Reference.ByDigest(referrer.digest()));
                Copied copied = copyGraph(sourceRepository, target, manifest, new Reference.ByDigest(manifest.digest()),
                        skipExisting);
                blobs += copied.graph().blobs().size();
                // referrers of the referrer (a signature of an SBOM) come next
                for (ManifestPayload m : copied.graph().manifests()) {
                    if (seen.add(m.digest()) || m.digest().equals(manifest.digest())) {
                        subjects.add(m.digest());
                    }
                }
                if (manifest.subject() != null && !copied.root().subjectRecorded()) {
                    ReferrersSupport.addToFallback(to, target.repository(), manifest.subject().digest(), referrer);
                }
            }
        }
        return blobs;
    }
}
