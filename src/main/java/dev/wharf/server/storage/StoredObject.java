package dev.wharf.server.storage;

import dev.wharf.oci.Digest;
import java.time.Instant;

/**
 * One thing a {@link BlobStore} holds, as {@link BlobStore#inventory} lists it: a published blob, or
 * the scratch data of one upload (all its files or objects together).
 */
public sealed interface StoredObject permits StoredObject.Blob, StoredObject.Upload {

    /** Bytes it occupies. */
    long size();

    /** When it was last written (for an upload, its newest file or object). */
    Instant lastModified();

    /** A published blob. */
    record Blob(Digest digest, long size, Instant lastModified) implements StoredObject {
    }

    /** The scratch data of the upload {@code uploadId} (what {@link BlobStore#deleteUpload} removes). */
    record Upload(String uploadId, long size, Instant lastModified) implements StoredObject {
    }
}
