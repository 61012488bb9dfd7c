package dev.wharf.server.storage;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Immutable content addressed by digest: one copy per digest, whatever repositories refer to it.
 * The store knows nothing of repositories, HTTP or SQL: which blobs a repository may see is
 * metadata, kept in PostgreSQL.
 *
 * <p>Writes go through a {@link BlobWriter}: bytes are appended to an upload, then verified and
 * published under their digest in one step, so a blob is either absent or complete. Every method is
 * safe to call from many threads and from several replicas sharing the same storage.
 */
public interface BlobStore {

    /** The size of the blob, or empty when the store does not hold it. */
    OptionalLong stat(Digest digest) throws IOException;

    /**
     * Opens a blob for reading.
     *
     * @throws BlobNotFoundException when the store does not hold it
     */
    BlobSource open(Digest digest) throws IOException;

    /**
     * A URL a client can fetch the blob from directly (a presigned URL), valid for {@code ttl}, or
     * empty when this store serves blobs itself.
     */
    Optional<URI> redirect(Digest digest, Duration ttl);

    /** Starts a new upload with the given id, hashing with {@code algorithm} as bytes arrive. */
    BlobWriter newWriter(String uploadId, DigestAlgorithm algorithm) throws IOException;

    /**
     * Continues an upload from the state its last successful append reported; the upload may have
     * been written by another replica. {@code fence} keeps a writer that lost the session from
     * touching what the recorded state points at (see {@link WriteFence}).
     *
     * @throws UploadGoneException when the upload's data is gone or from an unknown layout
     */
    BlobWriter resumeWriter(String uploadId, UploadState state, WriteFence fence) throws IOException;

    /** {@link #resumeWriter(String, UploadState, WriteFence)} for a writer that has the upload to itself. */
    default BlobWriter resumeWriter(String uploadId, UploadState state) throws IOException {
        return resumeWriter(uploadId, state, WriteFence.exclusive());
    }

    /** Removes a blob; removing an absent blob is not an error. */
    void delete(Digest digest) throws IOException;

    /**
     * Lists everything the store holds, for the garbage collector's inventory sweep: every published
     * blob and the scratch data of every upload (one entry per upload), each with its size and age,
     * in no particular order. Entries that are not the store's (names that are no digest or upload
     * id) are skipped. Things written or removed while the listing runs may or may not appear.
     *
     * @param each receives the entries as the listing proceeds (the listing is never held whole)
     */
    void inventory(java.util.function.Consumer<StoredObject> each) throws IOException;

    /**
     * The smallest chunk the store handles efficiently, to advertise as {@code OCI-Chunk-Min-Length};
     * empty when any size is fine.
     */
    OptionalLong minimumChunkLength();

    /**
     * Removes the scratch data of an upload that will never be resumed (committed, cancelled or
     * purged); absent uploads are fine. {@link BlobWriter#commit} leaves it in place: only the owner
     * of the upload's session knows when nobody can need it any more.
     */
    void deleteUpload(String uploadId) throws IOException;

    /**
     * Removes what crashed or lost writers left that no upload owns any more and that is older than
     * {@code cutoff} (S3: incomplete multipart uploads). Returns how many things it removed.
     */
    default int sweepAbandoned(java.time.Instant cutoff) throws IOException {
        return 0;
    }
}
