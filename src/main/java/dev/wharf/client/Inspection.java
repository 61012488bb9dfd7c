package dev.wharf.client;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.ManifestPayload;
import java.util.List;

/**
 * An image as the registry holds it.
 *
 * @param reference the reference asked for
 * @param manifest  the manifest at the reference (an image manifest or an index)
 * @param platforms the entries of an index; empty for an image manifest
 * @param image     the image manifest described by {@link #config}: the manifest itself, or the
 *                  entry of an index chosen by platform; null for an index when no platform was asked for
 * @param config    the image's config blob, byte-exact; null when {@code image} is null or has none
 */
public record Inspection(ImageReference reference, ManifestPayload manifest, List<Descriptor> platforms,
                         ManifestPayload image, byte[] config) {
}
