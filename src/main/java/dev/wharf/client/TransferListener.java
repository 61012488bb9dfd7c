package dev.wharf.client;

import dev.wharf.oci.Digest;
import java.time.Duration;

/**
 * Progress of a push, pull or copy. Called from the transfer threads, concurrently: implementations
 * must be thread-safe and quick. Every method has a do-nothing default.
 */
public interface TransferListener {

    TransferListener NONE = new TransferListener() {
    };

    /**
     * A blob transfer starts.
     *
     * @param id    stable for this blob during the operation (its digest, or a placeholder for a
     *              layer compressed on the way whose digest is not known yet)
     * @param label what it is, e.g. {@code layer 2/5} or {@code config}
     * @param total its size, or -1 when not known in advance
     */
    default void blobStarted(String id, String label, long total) {
    }

    /** {@code done} bytes of the blob have been sent or received (it may go down after a resume). */
    default void blobProgress(String id, long done) {
    }

    /** The blob is done; {@code digest} and {@code size} are final. */
    default void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
    }

    /** A manifest was stored at the destination. */
    default void manifestWritten(String where, Digest digest) {
    }

    /** A failed request will be tried again after {@code delay}. */
    default void retrying(String what, int attempt, Duration delay, String cause) {
    }
}
