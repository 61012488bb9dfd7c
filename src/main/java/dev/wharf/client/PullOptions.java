package dev.wharf.client;

import dev.wharf.oci.Descriptor;

/**
 * How to pull.
 *
 * @param format   what to write; null to decide by the destination (a name ending in {@code .tar}
 *                 is a docker archive, anything else an OCI layout directory)
 * @param platform the platform to choose from an index; null keeps every platform in an OCI layout
 *                 and takes the host's ({@code linux/<arch>}) for a docker archive
 * @param name     the {@code org.opencontainers.image.ref.name} in an OCI layout; null for the tag
 */
public record PullOptions(Format format, Descriptor.Platform platform, String name) {

    /** What a pull writes. */
    public enum Format {
        /** An OCI image layout directory (created or added to). */
        OCI_LAYOUT,
        /** A tar file {@code docker load} accepts (and an OCI layout inside). */
        DOCKER_ARCHIVE
    }

    public static PullOptions defaults() {
        return new PullOptions(null, null, null);
    }
}
