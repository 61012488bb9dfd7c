package dev.wharf.oci;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A manifest as the exact bytes a client sent, with what Wharf needs to know of it parsed out:
 * its media type, the blobs and manifests it refers to, its subject, artifact type and annotations.
 * The bytes are never re-serialised: the digest is always over {@link #bytes()}.
 *
 * <p>Supported: OCI image manifest, OCI image index, Docker v2 schema 2 manifest and manifest list.
 * Parsing is bounded ({@link ManifestReader}): nesting up to {@value ManifestReader#MAX_DEPTH} levels,
 * {@value ManifestReader#MAX_TOKENS} tokens, {@value ManifestReader#MAX_DESCRIPTORS} descriptors,
 * {@value ManifestReader#MAX_ANNOTATIONS} annotations; unknown fields are skipped, never kept.
 */
public final class ManifestPayload {

    /** Content types that say nothing about the manifest kind; the {@code mediaType} field decides. */
    private static final Set<String> GENERIC_TYPES = Set.of("application/json", "application/octet-stream");

    /** RFC 6838 type/subtype (no parameters): what image-spec requires of mediaType and artifactType. */
    private static final java.util.regex.Pattern MEDIA_TYPE = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

    private final byte[] bytes;
    private final Digest digest;
    private final String mediaType;
    private final Descriptor config;
    private final List<Descriptor> layers;
    private final List<Descriptor> manifests;
    private final Descriptor subject;
    private final String artifactType;
    private final Map<String, String> annotations;
    private final Span annotationsSpan;

    /** A range of {@link #bytes()}. */
    public record Span(int offset, int length) {
    }

    private ManifestPayload(byte[] bytes, Digest digest, String mediaType, Descriptor config,
                            List<Descriptor> layers, List<Descriptor> manifests, Descriptor subject,
                            String artifactType, Map<String, String> annotations, Span annotationsSpan) {
        this.bytes = bytes;
        this.digest = digest;
        this.mediaType = mediaType;
        this.config = config;
        this.layers = layers;
        this.manifests = manifests;
        this.subject = subject;
        this.artifactType = artifactType;
        this.annotations = annotations;
        this.annotationsSpan = annotationsSpan;
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
        ManifestReader.Fields fields = ManifestReader.read(bytes);
        String mediaType = resolveMediaType(MediaTypes.essence(contentType), fields.mediaType());
        if (fields.schemaVersion() == null || fields.schemaVersion() != 2) {
            throw invalid("schemaVersion must be 2");
        }
        Descriptor config = null;
        List<Descriptor> layers = List.of();
        List<Descriptor> manifests = List.of();
        if (MediaTypes.IMAGE_MANIFESTS.contains(mediaType)) {
            if (!fields.hasConfig()) {
                throw invalid("an image manifest needs a config descriptor");
            }
            if (!fields.hasLayers()) {
                throw invalid("missing layers array");
            }
            if (fields.hasManifests()) {
                throw invalid("an image manifest cannot list manifests");
            }
            config = fields.config();
            layers = fields.layers();
        } else {
            if (!fields.hasManifests()) {
                throw invalid("missing manifests array");
            }
            if (fields.hasLayers() || fields.hasConfig()) {
                throw invalid("an index cannot have a config or layers");
            }
            manifests = fields.manifests();
        }
        return new ManifestPayload(bytes, Digest.of(algorithm, bytes), mediaType, config, layers, manifests,
                fields.subject(), fields.artifactType(), fields.annotations(),
                span(bytes, fields.annotations(), fields.annotationsStart(), fields.annotationsEnd()));
    }

    /** The span of a non-empty annotations object, when the parser's offsets point at its braces. */
    private static Span span(byte[] bytes, Map<String, String> annotations, long start, long end) {
        if (annotations.isEmpty() || start < 0 || end <= start || end > bytes.length
                || bytes[(int) start] != '{' || bytes[(int) end - 1] != '}') {
            return null;
        }
        return new Span((int) start, (int) (end - start));
    }

    /** True when {@code value} is an RFC 6838 type/subtype, as image-spec requires of media types. */
    static boolean isMediaType(String value) {
        return MEDIA_TYPE.matcher(value).matches();
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

    /**
     * Where the manifest's own {@code annotations} object lies in {@link #bytes()}: that range is a
     * well-formed JSON object of strings (validated UTF-8, no duplicate keys) holding exactly
     * {@link #annotations()}, so it can be stored without serialising the map again. Null when there
     * are no annotations (or the range is unknown).
     */
    public Span annotationsSpan() {
        return annotationsSpan;
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
