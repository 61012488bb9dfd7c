package dev.wharf.client;

import dev.wharf.oci.Descriptor;

/**
 * How to copy between registries.
 *
 * @param platform  copy only this platform of an index (the destination gets that image manifest);
 *                  null copies the index with every platform
 * @param referrers copy the manifests that refer to the image too (signatures, SBOMs), and theirs
 */
public record CopyOptions(Descriptor.Platform platform, boolean referrers) {

    public static CopyOptions defaults() {
        return new CopyOptions(null, false);
    }
}
