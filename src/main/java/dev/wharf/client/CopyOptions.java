package dev.wharf.client;

import dev.wharf.oci.Descriptor;

/**
 * How to copy between registries.
 *
 * @param platform     copy only this platform of an index (the destination gets that image
 *                     manifest); null copies the index with every platform
 * @param referrers    copy the manifests that refer to the image too (signatures, SBOMs), and theirs
 * @param skipExisting when the destination already holds a manifest (asked by digest), take it as
 *                     complete: its blobs and children are not checked again (a registry accepts a
 *                     manifest only once everything it refers to is there). A tag is still pointed
 *                     at it, and its referrers are still copied. For repeated synchronisation.
 */
public record CopyOptions(Descriptor.Platform platform, boolean referrers, boolean skipExisting) {

    public CopyOptions(Descriptor.Platform platform, boolean referrers) {
        this(platform, referrers, false);
    }

    public static CopyOptions defaults() {
        return new CopyOptions(null, false, false);
    }
}
