package dev.wharf.oci;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A manifest as the exact bytes a client sent, with what Wharf needs to know of it parsed out:
 * its media type, the blobs and manifests it refers to, its subject, artifact type and annotations.
 * The bytes are never re-serialised: the digest is always over {@link #bytes()}.
 *
 * <p>Supported: OCI image manifest, OCI image index, Docker v2 schema 2 manifest and manifest list.
 */
public final class ManifestPayload {

    /** Content types that say nothing about the manifest kind; the {@code mediaType} field decides. */
    private static final Set<String> GENERIC_TYPES = Set.of("application/json", "application/octet-stream");

    /** RFC 6838 type/subtype (no parameters): what image-spec requires of mediaType and artifactType. */
    private static final java.util.regex.Pattern MEDIA_TYPE = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final byte[] bytes;
    private final Digest digest;
    private final String mediaType;
    private final Descriptor config;
    private final List<Descriptor> layers;
    private final List<Descriptor> manifests;
    private final Descriptor subject;
    private final String artifactType;
    private final Map<String, String> annotations;

    private ManifestPayload(byte[] bytes, Digest digest, String mediaType, Descriptor config,
                            List<Descriptor> layers, List<Descriptor> manifests, Descriptor subject,
                            String artifactType, Map<String, String> annotations) {
        this.bytes = bytes;
        this.digest = digest;
        this.mediaType = mediaType;
        this.config = config;
        this.layers = layers;
        this.manifests = manifests;
        this.subject = subject;
        this.artifactType = artifactType;
        this.annotations = annotations;
    }

    /**
     * Parses and validates a manifest, digesting it with SHA-256.
     *
     * @see #parse(byte[], String, DigestAlgorithm)
     */
    public static ManifestPayload parse(byte[] bytes, String contentType) {
        return parse(bytes, contentType, DigestAlgorithm.SHA256);
    }

    /**
     * Parses and validates a manifest.
     *
     * @param bytes       the exact bytes, kept as they are
     * @param contentType the {@code Content-Type} it came with (parameters ignored); may be null,
     *                    then the {@code mediaType} field decides
     * @param algorithm   the algorithm to digest the bytes with
     * @throws OciException {@code MANIFEST_INVALID} when the bytes are not a well-formed manifest of a
     *                     supported type, or when the {@code mediaType} field contradicts the content type
     */
    public static ManifestPayload parse(byte[] bytes, String contentType, DigestAlgorithm algorithm) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw invalid("manifest is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("manifest must be a JSON object");
        }
        String declared = MediaTypes.essence(contentType);
        String field = optionalText(root, "mediaType", "manifest");
        String mediaType = resolveMediaType(declared, field);
        JsonNode schemaVersion = root.get("schemaVersion");
        if (schemaVersion == null || !schemaVersion.isIntegralNumber() || schemaVersion.asInt() != 2) {
            throw invalid("schemaVersion must be 2");
        }
        Descriptor config = null;
        List<Descriptor> layers = List.of();
        List<Descriptor> manifests = List.of();
        if (MediaTypes.IMAGE_MANIFESTS.contains(mediaType)) {
            JsonNode configNode = root.get("config");
            if (configNode == null) {
                throw invalid("an image manifest needs a config descriptor");
            }
            config = descriptor(configNode, "config");
            layers = descriptors(root, "layers", true);
            if (root.has("manifests")) {
                throw invalid("an image manifest cannot list manifests");
            }
        } else {
            manifests = descriptors(root, "manifests", true);
            if (root.has("layers") || root.has("config")) {
                throw invalid("an index cannot have a config or layers");
            }
        }
        Descriptor subject = root.has("subject") ? descriptor(root.get("subject"), "subject") : null;
        String artifactType = mediaType(root, "artifactType", "manifest");
        Map<String, String> annotations = annotations(root.get("annotations"), "manifest");
        return new ManifestPayload(bytes, Digest.of(algorithm, bytes), mediaType, config, layers, manifests,
                subject, artifactType, annotations);
    }

    private static String resolveMediaType(String declared, String field) {
        if (declared != null && !GENERIC_TYPES.contains(declared)) {
            if (!MediaTypes.MANIFESTS.contains(declared)) {
                throw invalid("unsupported manifest media type: " + declared);
            }
            if (field != null && !field.equals(declared)) {
                throw invalid("mediaType " + field + " does not match Content-Type " + declared);
            }
            return declared;
        }
        if (field == null) {
            throw invalid("manifest media type unknown: set Content-Type or the mediaType field");
        }
        if (!MediaTypes.MANIFESTS.contains(field)) {
            throw invalid("unsupported manifest media type: " + field);
        }
        return field;
    }

    private static List<Descriptor> descriptors(JsonNode root, String field, boolean required) {
        JsonNode node = root.get(field);
        if (node == null) {
            if (required) {
                throw invalid("missing " + field + " array");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid(field + " must be an array");
        }
        List<Descriptor> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(descriptor(node.get(i), field + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw invalid(where + " must be a descriptor object");
        }
        String mediaType = mediaType(node, "mediaType", where);
        if (mediaType == null) {
            throw invalid(where + " needs a mediaType");
        }
        String digestText = optionalText(node, "digest", where);
        if (digestText == null) {
            throw invalid(where + " needs a digest");
        }
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (OciException e) {
            throw invalid(where + ": " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.isIntegralNumber() || size.asLong() < 0) {
            throw invalid(where + " needs a non-negative integer size");
        }
        List<String> urls = new ArrayList<>();
        JsonNode urlsNode = node.get("urls");
        if (urlsNode != null) {
            if (!urlsNode.isArray()) {
                throw invalid(where + ".urls must be an array");
            }
            urlsNode.forEach(u -> {
                if (!u.isString()) {
                    throw invalid(where + ".urls must hold strings");
                }
                urls.add(u.asString());
            });
        }
        Descriptor.Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null) {
            if (!p.isObject()) {
                throw invalid(where + ".platform must be an object");
            }
            String os = optionalText(p, "os", where + ".platform");
            String arch = optionalText(p, "architecture", where + ".platform");
            if (os != null && arch != null) {
                platform = new Descriptor.Platform(os, arch, optionalText(p, "variant", where + ".platform"));
            }
        }
        return new Descriptor(mediaType, digest, size.asLong(), mediaType(node, "artifactType", where),
                annotations(node.get("annotations"), where), platform, urls);
    }

    private static Map<String, String> annotations(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid(where + " annotations must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                throw invalid(where + " annotation " + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** An optional field holding a media type; empty counts as absent. */
    private static String mediaType(JsonNode node, String field, String where) {
        String value = optionalText(node, field, where);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!MEDIA_TYPE.matcher(value).matches()) {
            throw invalid(where + "." + field + " is not a media type (RFC 6838 type/subtype)");
        }
        return value;
    }

    private static String optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw invalid(where + "." + field + " must be a string");
        }
        return value.asString();
    }

    private static OciException invalid(String message) {
        return new OciException(OciErrorCode.MANIFEST_INVALID, message);
    }

    /** The exact bytes. Callers must not modify the array. */
    public byte[] bytes() {
        return bytes;
    }

    public Digest digest() {
        return digest;
    }

    public String mediaType() {
        return mediaType;
    }

    public boolean isIndex() {
        return MediaTypes.INDEXES.contains(mediaType);
    }

    /** The config descriptor of an image manifest; null for an index. */
    public Descriptor config() {
        return config;
    }

    /** The layers of an image manifest; empty for an index. */
    public List<Descriptor> layers() {
        return layers;
    }

    /** The manifests an index lists; empty for an image manifest. */
    public List<Descriptor> manifests() {
        return manifests;
    }

    /** The config and layers: every blob this manifest needs; empty for an index. */
    public List<Descriptor> blobs() {
        if (config == null) {
            return List.of();
        }
        List<Descriptor> out = new ArrayList<>(layers.size() + 1);
        out.add(config);
        out.addAll(layers);
        return out;
    }

    /** The manifest this one refers to ({@code subject}); null when there is none. */
    public Descriptor subject() {
        return subject;
    }

    /**
     * The artifact type the referrers API reports: the {@code artifactType} field, else for an
     * image manifest its config media type; null for an index without one.
     */
    public String effectiveArtifactType() {
        if (artifactType != null && !artifactType.isEmpty()) {
            return artifactType;
        }
        return config == null ? null : config.mediaType();
    }

    public Map<String, String> annotations() {
        return annotations;
    }

    public Descriptor descriptor() {
        return new Descriptor(mediaType, digest, bytes.length, effectiveArtifactType(), annotations, null, List.of());
    }

    @Override
    public String toString() {
        return mediaType + " " + digest + " (" + bytes.length + " bytes)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestPayload other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
