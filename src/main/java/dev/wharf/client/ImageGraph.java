package dev.wharf.client;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A manifest and everything it refers to: the manifests in push order (children before the index
 * that lists them, the root last) and the distinct blobs. Non-distributable (foreign) layers are
 * left out: registries are not expected to hold them.
 *
 * @param root      the manifest walked from
 * @param manifests every manifest, children first, root last
 * @param blobs     every distributable blob, each once
 */
record ImageGraph(ManifestPayload root, List<ManifestPayload> manifests, List<Descriptor> blobs) {

    /** Fetches a child manifest, verified against its descriptor. */
    @FunctionalInterface
    interface ManifestFetcher {
        ManifestPayload fetch(Descriptor descriptor) throws IOException;
    }

    static ImageGraph walk(ManifestPayload root, ManifestFetcher fetcher) throws IOException {
        Map<Digest, ManifestPayload> manifests = new LinkedHashMap<>();
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        visit(root, fetcher, manifests, blobs, new LinkedHashSet<>());
        return new ImageGraph(root, List.copyOf(manifests.values()), List.copyOf(blobs.values()));
    }

    private static void visit(ManifestPayload manifest, ManifestFetcher fetcher, Map<Digest, ManifestPayload> manifests,
                              Map<Digest, Descriptor> blobs, Set<Digest> path) throws IOException {
        if (manifests.containsKey(manifest.digest())) {
            return;
        }
        if (!path.add(manifest.digest())) {
            throw new IOException("manifest " + manifest.digest() + " refers to itself");
        }
        for (Descriptor child : manifest.manifests()) {
            if (!manifests.containsKey(child.digest())) {
                visit(fetcher.fetch(child), fetcher, manifests, blobs, path);
            }
        }
        for (Descriptor blob : manifest.blobs()) {
            if (!MediaTypes.isNonDistributable(blob.mediaType())) {
                blobs.putIfAbsent(blob.digest(), blob);
            }
        }
        path.remove(manifest.digest());
        manifests.put(manifest.digest(), manifest);
    }

    /** Every manifest but the root, in push order. */
    List<ManifestPayload> children() {
        return manifests.subList(0, manifests.size() - 1);
    }

    long totalBlobBytes() {
        long total = 0;
        for (Descriptor d : blobs) {
            total += d.size();
        }
        return total;
    }

    /** The entry of {@code index} for {@code wanted}, or a clear error listing what there is. */
    static Descriptor select(ManifestPayload index, Descriptor.Platform wanted, String what) {
        List<String> available = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (d.platform() != null) {
                if (d.platform().matches(wanted)) {
                    return d;
                }
                available.add(d.platform().toString());
            }
        }
        throw new IllegalArgumentException(what + " has no image for " + wanted + "; it has: "
                + (available.isEmpty() ? "(no platforms listed)" : String.join(", ", available)));
    }

    /** The platform of the machine running this: {@code linux/<arch>}, as Docker defaults to. */
    static Descriptor.Platform hostPlatform() {
        String arch = System.getProperty("os.arch", "amd64");
        String oci = switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
        return new Descriptor.Platform("linux", oci, null);
    }
}
