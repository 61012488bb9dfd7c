package dev.wharf.server.ui;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads images for the pages: manifests (exact bytes from {@link Manifests}), their configs (from
 * the blob store, cached by digest: content by digest never changes), platforms and sizes. Callers
 * have checked that the viewer may pull the repository.
 */
@Component
class Images {

    private static final Logger log = LoggerFactory.getLogger(Images.class);
    /** Configs larger than this are not read (a config is a few kB; 2 MiB is generous). */
    static final long MAX_CONFIG = 2L * 1024 * 1024;

    /** An image or index as the tag list shows it. */
    record Summary(String kind, List<String> platforms, long size) {
    }

    /** One platform of an index. */
    record PlatformEntry(String platform, Digest digest, String mediaType, long size, boolean attestation) {
    }

    /** One build step, with the layer it made (null for steps that made none). */
    record LayerStep(String instruction, String created, Descriptor layer, boolean emptyLayer) {
    }

    private final Manifests manifests;
    private final BlobStore store;
    private final JsonMapper json;
    private final Cache<Digest, ImageConfig> configs = Caffeine.newBuilder().maximumSize(20_000).build();

    Images(Manifests manifests, BlobStore store, JsonMapper json) {
        this.manifests = manifests;
        this.store = store;
        this.json = json;
    }

    /** Parses stored manifest bytes; null when they cannot be read as a manifest. */
    static ManifestPayload parse(byte[] content, String mediaType) {
        try {
            return ManifestPayload.parse(content, mediaType);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Whether {@code manifest} is an image (a config of an image media type) rather than another artifact. */
    static boolean isImage(ManifestPayload manifest) {
        if (manifest == null || manifest.isIndex() || manifest.config() == null) {
            return false;
        }
        String type = manifest.config().mediaType();
        return MediaTypes.OCI_CONFIG.equals(type) || MediaTypes.DOCKER_CONFIG.equals(type);
    }

    /** The config of an image manifest; {@link ImageConfig#UNREADABLE} when it cannot be read. */
    ImageConfig config(ManifestPayload manifest) {
        if (!isImage(manifest)) {
            return ImageConfig.UNREADABLE;
        }
        Descriptor d = manifest.config();
        ImageConfig cached = configs.getIfPresent(d.digest());
        if (cached != null) {
            return cached;
        }
        ImageConfig config = readConfig(d);
        if (config.readable()) {
            configs.put(d.digest(), config);
        }
        return config;
    }

    private ImageConfig readConfig(Descriptor d) {
        if (d.size() > MAX_CONFIG) {
            return ImageConfig.UNREADABLE;
        }
        try {
            BlobSource source = store.open(d.digest());
            if (source.size() > MAX_CONFIG) {
                return ImageConfig.UNREADABLE;
            }
            byte[] bytes;
            try (InputStream in = source.openStream(0, source.size())) {
                bytes = in.readNBytes((int) source.size());
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            JsonNode root;
            try {
                root = json.readTree(bytes);
            } catch (RuntimeException e) {
                return ImageConfig.UNREADABLE;
            }
            return ImageConfig.parse(root, text);
        } catch (BlobNotFoundException e) {
            return ImageConfig.UNREADABLE;
        } catch (IOException e) {
            log.warn("cannot read config {}: {}", d.digest(), e.toString());
            return ImageConfig.UNREADABLE;
        }
    }

    /** The children of indexes among {@code parents}, fetched in one query, by digest. */
    Map<Digest, ManifestPayload> children(RepositoryName repository, Collection<ManifestPayload> parents) {
        List<Digest> digests = new ArrayList<>();
        for (ManifestPayload p : parents) {
            if (p != null && p.isIndex()) {
                p.manifests().forEach(d -> digests.add(d.digest()));
            }
        }
        Map<Digest, ManifestPayload> out = new HashMap<>();
        for (Manifests.Stored s : manifests.findAll(repository, digests)) {
            ManifestPayload child = parse(s.content(), s.mediaType());
            if (child != null) {
                out.put(s.digest(), child);
            }
        }
        return out;
    }

    /** Kind, platforms and compressed size of a manifest, for the tag list. */
    Summary summary(ManifestPayload manifest, Map<Digest, ManifestPayload> children) {
        if (manifest == null) {
            return new Summary("unreadable", List.of(), -1);
        }
        if (manifest.isIndex()) {
            List<String> platforms = new ArrayList<>();
            long size = 0;
            for (PlatformEntry p : platforms(manifest, children)) {
                if (!p.attestation()) {
                    platforms.add(p.platform());
                }
                size += Math.max(0, p.size());
            }
            return new Summary("index", platforms, size);
        }
        if (isImage(manifest)) {
            String platform = config(manifest).platform();
            return new Summary("image", platform == null ? List.of() : List.of(platform), size(manifest));
        }
        String type = manifest.effectiveArtifactType();
        return new Summary("artifact", type == null ? List.of() : List.of(type), size(manifest));
    }

    /** The platforms of an index, with the size of each child when it is in {@code children}. */
    List<PlatformEntry> platforms(ManifestPayload index, Map<Digest, ManifestPayload> children) {
        List<PlatformEntry> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            Descriptor.Platform p = d.platform();
            boolean attestation = "attestation-manifest".equals(d.annotations().get("vnd.docker.reference.type"))
                    || p != null && "unknown".equals(p.os()) && "unknown".equals(p.architecture());
            ManifestPayload child = children.get(d.digest());
            out.add(new PlatformEntry(p == null ? (d.artifactType() == null ? "(no platform)" : d.artifactType())
                    : p.toString(), d.digest(), d.mediaType(), child == null ? -1 : size(child), attestation));
        }
        return out;
    }

    /** Compressed size of an image manifest: config and layers (what a pull downloads). */
    static long size(ManifestPayload manifest) {
        long size = 0;
        for (Descriptor d : manifest.blobs()) {
            size += d.size();
        }
        return size;
    }

    /**
     * The layers lined up with the build history, as the Dockerfile that made them reads: each
     * history step in order, the steps that made a layer taking the next layer; layers beyond the
     * history (or all of them, without history) follow on their own.
     */
    static List<LayerStep> steps(ManifestPayload manifest, ImageConfig config) {
        List<Descriptor> layers = manifest.layers();
        List<LayerStep> steps = new ArrayList<>();
        int next = 0;
        for (ImageConfig.Step h : config.history()) {
            if (h.emptyLayer()) {
                steps.add(new LayerStep(h.instruction(), h.created(), null, true));
            } else {
                steps.add(new LayerStep(h.instruction(), h.created(), next < layers.size() ? layers.get(next++) : null,
                        false));
            }
        }
        while (next < layers.size()) {
            steps.add(new LayerStep("", null, layers.get(next++), false));
        }
        return steps;
    }

    /** Referrers grouped by artifact type, in a readable order: signatures, SBOMs, attestations, others. */
    static Map<String, List<Manifests.Referrer>> groupReferrers(List<Manifests.Referrer> referrers) {
        Map<String, List<Manifests.Referrer>> groups = new LinkedHashMap<>();
        for (String label : List.of("Signatures", "SBOMs", "Attestations")) {
            groups.put(label, new ArrayList<>());
        }
        for (Manifests.Referrer r : referrers) {
            groups.computeIfAbsent(groupOf(r.artifactType()), k -> new ArrayList<>()).add(r);
        }
        groups.values().removeIf(List::isEmpty);
        return groups;
    }

    static String groupOf(String artifactType) {
        String t = artifactType == null ? "" : artifactType.toLowerCase(java.util.Locale.ROOT);
        if (t.contains("signature") || t.contains("cosign") || t.contains("notation") || t.contains("sigstore")) {
            return "Signatures";
        }
        if (t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") || t.contains("syft")) {
            return "SBOMs";
        }
        if (t.contains("in-toto") || t.contains("attestation") || t.contains("provenance") || t.contains("vex")) {
            return "Attestations";
        }
        return artifactType == null || artifactType.isEmpty() ? "Other artifacts" : artifactType;
    }
}
