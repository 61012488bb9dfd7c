package dev.wharf.server.storage;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;

/**
 * What the metadata database keeps of an upload between requests, so that any replica can continue
 * it.
 *
 * @param size        bytes appended so far
 * @param algorithm   the algorithm the running digest uses
 * @param digestSoFar the digest of those bytes, so that a commit on another replica need not
 *                    re-read them; null when unknown
 * @param storeState  store-specific state (opaque, small text), or null
 */
public record UploadState(long size, DigestAlgorithm algorithm, Digest digestSoFar, String storeState) {

    public UploadState {
        if (size < 0) {
            throw new IllegalArgumentException("size " + size);
        }
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm is required");
        }
    }
}
