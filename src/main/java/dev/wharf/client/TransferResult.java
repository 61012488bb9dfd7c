package dev.wharf.client;

import dev.wharf.oci.Digest;
import java.time.Duration;

/**
 * What a push, pull or copy did.
 *
 * @param destination where the image went: a reference or a path
 * @param digest      the digest of the manifest written at the destination's reference
 * @param mediaType   its media type
 * @param blobs       distinct blobs the image has
 * @param transferred blobs whose bytes moved
 * @param existing    blobs the destination had already
 * @param mounted     blobs mounted from another repository
 * @param bytes       bytes moved
 * @param elapsed     wall time
 */
public record TransferResult(String destination, Digest digest, String mediaType, int blobs, int transferred,
                             int existing, int mounted, long bytes, Duration elapsed) {
}
