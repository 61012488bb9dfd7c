package dev.wharf.oci;

import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor: what a manifest says about a piece of content it refers to.
 *
 * @param mediaType    the referenced content's media type
 * @param digest       its digest
 * @param size         its size in bytes
 * @param artifactType the artifact type, for descriptors of artifacts; may be null
 * @param annotations  annotations; never null
 * @param platform     the platform of an index entry; may be null
 * @param urls         alternative locations (non-distributable layers); never null
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md">image-spec: Descriptor</a>
 */
public record Descriptor(String mediaType, Digest digest, long size, String artifactType,
                         Map<String, String> annotations, Platform platform, List<String> urls) {

    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, Map.of(), null, List.of());
    }

    /** An index entry's platform. */
    public record Platform(String os, String architecture, String variant) {

        /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}. */
        public static Platform parse(String value) {
            String[] parts = value.split("/");
            if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException("platform must be os/arch[/variant], got " + value);
            }
            return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
        }

        /** True when this platform satisfies {@code wanted}; a wanted variant must match exactly. */
        public boolean matches(Platform wanted) {
            return os.equals(wanted.os) && architecture.equals(wanted.architecture)
                    && (wanted.variant == null || wanted.variant.equals(variant));
        }

        @Override
        public String toString() {
            return os + "/" + architecture + (variant == null ? "" : "/" + variant);
        }
    }
}
