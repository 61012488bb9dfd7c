package dev.wharf.server.storage;

import dev.wharf.oci.Digest;
import java.io.IOException;
import java.io.InputStream;

/**
 * An upload in progress. Bytes are appended in order; the digest is computed while they pass.
 * A writer is used by one request at a time (the upload service holds a lease on the session).
 */
public interface BlobWriter {

    /** The number of bytes appended so far. */
    long size();

    /**
     * Appends every byte {@code source} yields until its end.
     *
     * <p>All or nothing: when reading or writing fails, the upload is left as it was before the call
     * ({@link #size()} and {@link #state()} unchanged) and the exception is rethrown.
     *
     * @return the number of bytes appended
     */
    long append(InputStream source) throws IOException;

    /** What another replica needs to resume this upload; persist it after each append. */
    UploadState state();

    /**
     * Verifies that the bytes appended hash to {@code expected} and publishes them under it. Publishing
     * is atomic: readers see the complete blob or nothing. Publishing a digest the store already holds
     * keeps the existing copy. The upload's scratch data stays until {@link BlobStore#deleteUpload}
     * (or {@link #abort()}): a writer cannot know whether another one still needs it.
     *
     * @throws DigestMismatchException when the content does not match; nothing is published
     */
    void commit(Digest expected) throws IOException, DigestMismatchException;

    /**
     * Publishes the committed content again when the store no longer holds it: the garbage collector
     * (or its inventory sweep) may remove a blob between {@link #commit} and the moment the blob's
     * metadata is recorded, and only the upload still has the bytes (see docs/ARCHITECTURE.md,
     * "Garbage collection"). Costs one stat when the blob is there. Call only after a successful
     * {@link #commit} and before the upload's scratch data is removed.
     *
     * @throws IllegalStateException when nothing was committed
     */
    void ensurePublished() throws IOException;

    /**
     * Discards the upload's scratch data, for a writer that owns the upload outright (a monolithic
     * upload). Safe to call more than once, and after {@link #commit}; the published blob stays.
     */
    void abort();
}
