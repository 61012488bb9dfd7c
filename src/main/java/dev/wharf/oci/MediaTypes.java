package dev.wharf.oci;

import java.util.Set;

/** The media types the registry and client understand, and which of them are manifests. */
public final class MediaTypes {

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /** Manifests that list blobs (a config and layers). */
    public static final Set<String> IMAGE_MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    /** Manifests that list other manifests. */
    public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
    /** Every manifest type the registry stores. */
    public static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST);

    /** The value clients send in {@code Accept} to receive any manifest type. */
    public static final String ACCEPT_ANY_MANIFEST = String.join(", ", OCI_INDEX, DOCKER_MANIFEST_LIST,
            OCI_MANIFEST, DOCKER_MANIFEST);

    private MediaTypes() {
    }

    /**
     * True for layers a registry is not expected to hold (content delivered from elsewhere): the
     * OCI non-distributable types and Docker's foreign layers.
     */
    public static boolean isNonDistributable(String mediaType) {
        return mediaType != null && (mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.")
                || DOCKER_FOREIGN_LAYER.equals(mediaType));
    }

    /** The media type without parameters and surrounding space, lower-cased; null stays null. */
    public static String essence(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        return type.isEmpty() ? null : type.toLowerCase(java.util.Locale.ROOT);
    }
}
