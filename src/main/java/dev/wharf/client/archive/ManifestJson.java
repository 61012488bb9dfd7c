package dev.wharf.client.archive;

import dev.wharf.client.registry.Json;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the manifests the client writes itself (image manifests for {@code docker save} archives,
 * referrers fallback indexes, layout indexes), with fields in the spec's order. The bytes produced
 * here are the bytes pushed; they are never re-serialised afterwards.
 */
public final class ManifestJson {

    private static final JsonMapper JSON = Json.MAPPER;

    private ManifestJson() {
    }

    /** An OCI image manifest. */
    public static ManifestPayload image(Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_MANIFEST);
        root.set("config", descriptor(config, config.annotations(), null, false));
        ArrayNode array = root.putArray("layers");
        for (Descriptor layer : layers) {
            array.add(descriptor(layer, layer.annotations(), null, false));
        }
        if (!annotations.isEmpty()) {
            ObjectNode a = root.putObject("annotations");
            annotations.forEach(a::put);
        }
        return ManifestPayload.parse(JSON.writeValueAsBytes(root), MediaTypes.OCI_MANIFEST);
    }

    /** An OCI image index of {@code manifests} (each with its own annotations, artifact type and platform). */
    public static ManifestPayload index(List<Descriptor> manifests) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode array = root.putArray("manifests");
        for (Descriptor d : manifests) {
            array.add(descriptor(d, d.annotations(), d.platform(), true));
        }
        return ManifestPayload.parse(JSON.writeValueAsBytes(root), MediaTypes.OCI_INDEX);
    }

    /**
     * A descriptor object.
     *
     * @param withArtifactType include {@code artifactType} when the descriptor has one
     */
    public static ObjectNode descriptor(Descriptor d, Map<String, String> annotations, Descriptor.Platform platform,
                                        boolean withArtifactType) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", d.mediaType());
        n.put("digest", d.digest().toString());
        n.put("size", d.size());
        if (withArtifactType && d.artifactType() != null && !d.artifactType().isEmpty()) {
            n.put("artifactType", d.artifactType());
        }
        if (!d.urls().isEmpty()) {
            ArrayNode urls = n.putArray("urls");
            d.urls().forEach(urls::add);
        }
        if (annotations != null && !annotations.isEmpty()) {
            ObjectNode a = n.putObject("annotations");
            annotations.forEach(a::put);
        }
        if (platform != null) {
            ObjectNode p = n.putObject("platform");
            p.put("architecture", platform.architecture());
            p.put("os", platform.os());
            if (platform.variant() != null) {
                p.put("variant", platform.variant());
            }
        }
        return n;
    }
}
