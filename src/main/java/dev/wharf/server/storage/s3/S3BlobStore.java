package dev.wharf.server.storage.s3;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.StorageUnavailableException;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Blobs as objects in an S3-compatible bucket. The layout, in one place:
 *
 * <pre>
 * &lt;prefix&gt;blobs/&lt;algorithm&gt;/&lt;first two hex digits&gt;/&lt;hex&gt;   a published blob
 * &lt;prefix&gt;uploads/&lt;upload id&gt;/part-NNNNN-&lt;tag&gt;           full parts of an upload, all partSize bytes
 * &lt;prefix&gt;uploads/&lt;upload id&gt;/tail-&lt;tag&gt;                  the bytes after the last full part
 * </pre>
 *
 * <p>Every object carries the tag of the writer that stored it (see {@link WriteFence}) and is
 * never overwritten by another writer: the recorded state names which objects hold the upload, so
 * whatever a writer that lost its lease stores later is never read, and goes with the upload.
 *
 * <p>Appends spool to a local temporary file (never to the heap) and upload each full part as its
 * own object; what is left when a request ends is stored as the tail and carried into the next
 * request, so every part but the last has exactly {@code partSize} bytes (some S3-compatible stores
 * insist on equal parts) and any replica can continue. Parts stay readable objects, which lets a
 * replica that lacks the running digest rebuild it. Publishing assembles the parts into the
 * digest-addressed object with a multipart upload of server-side part copies: no byte is downloaded
 * and uploaded again, and the blob appears atomically when the multipart upload completes.
 */
public final class S3BlobStore implements BlobStore {

    /** S3 refuses multipart parts below 5 MiB (except the last). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final String prefix;
    private final long partSize;
    private final Path spoolDirectory;
    private final boolean redirects;
    private final RunningDigests runningDigests;

    /**
     * @param presigner      signs redirect URLs; null disables redirects
     * @param spoolDirectory local scratch space for parts being assembled
     */
    public S3BlobStore(S3Client s3, S3Presigner presigner, String bucket, String prefix, long partSize,
                       Path spoolDirectory, RunningDigests runningDigests) throws IOException {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size must be at least 5 MiB, got " + partSize);
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.redirects = presigner != null;
        this.bucket = bucket;
        this.prefix = normalisePrefix(prefix);
        this.partSize = partSize;
        this.spoolDirectory = Files.createDirectories(spoolDirectory);
        this.runningDigests = runningDigests;
    }

    private static String normalisePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    String blobKey(Digest digest) {
        return prefix + "blobs/" + digest.algorithm().prefix() + "/" + digest.hex().substring(0, 2) + "/" + digest.hex();
    }

    private String uploadPrefix(String uploadId) {
        if (uploadId.isEmpty() || uploadId.contains("/")) {
            throw new IllegalArgumentException("bad upload id " + uploadId);
        }
        return prefix + "uploads/" + uploadId + "/";
    }

    String partKey(String uploadId, long partNumber, String tag) {
        return uploadPrefix(uploadId) + String.format("part-%05d-%s", partNumber, tag);
    }

    String tailKey(String uploadId, String tag) {
        return uploadPrefix(uploadId) + "tail-" + tag;
    }

    /**
     * The exception for a failed SDK call: {@link StorageUnavailableException} when S3 could not be
     * reached, did not answer in time (the SDK's retries and {@code call-timeout} included) or
     * answered with its own fault (5xx, or 429 when it throttles), so that clients are asked to try
     * again; a plain {@link IOException} otherwise (access denied, a missing bucket: configuration).
     */
    static IOException failure(String what, SdkException e) {
        if (e instanceof SdkClientException
                || e instanceof S3Exception s && (s.statusCode() >= 500 || s.statusCode() == 429)) {
            return new StorageUnavailableException(what + ": " + e.getMessage(), e);
        }
        return new IOException(what + ": " + e.getMessage(), e);
    }

    @Override
    public OptionalLong stat(Digest digest) throws IOException {
        return objectSize(blobKey(digest));
    }

    OptionalLong objectSize(String key) throws IOException {
        try {
            return OptionalLong.of(s3.headObject(b -> b.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw failure("S3 HEAD " + key, e);
        } catch (SdkException e) {
            throw failure("S3 HEAD " + key, e);
        }
    }

    @Override
    public BlobSource open(Digest digest) throws IOException {
        String key = blobKey(digest);
        OptionalLong size = objectSize(key);
        if (size.isEmpty()) {
            throw new BlobNotFoundException(digest);
        }
        long length = size.getAsLong();
        return new BlobSource() {
            @Override
            public long size() {
                return length;
            }

            @Override
            public Optional<Path> localFile() {
                return Optional.empty();
            }

            @Override
            public InputStream openStream(long offset, long count) throws IOException {
                if (count == 0) {
                    return InputStream.nullInputStream();
                }
                return get(key, "bytes=" + offset + "-" + (offset + count - 1));
            }
        };
    }

    /**
     * Opens an object, or the {@code range} of it ({@code bytes=a-b}; null for all of it). Once
     * opened, the body streams without a deadline; a read that gets no byte for the HTTP client's
     * read timeout fails, and every failure to read is a {@link StorageUnavailableException}.
     */
    InputStream get(String key, String range) throws IOException {
        InputStream in;
        try {
            in = s3.getObject(b -> b.bucket(bucket).key(key).range(range));
        } catch (NoSuchKeyException e) {
            throw new IOException("S3 object missing: " + key, e);
        } catch (SdkException e) {
            throw failure("S3 GET " + key, e);
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException | SdkException e) {
                    throw broken(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException | SdkException e) {
                    throw broken(e);
                }
            }

            private IOException broken(Exception e) {
                return new StorageUnavailableException("S3 GET " + key + " broke off: " + e, e);
            }
        };
    }

    @Override
    public Optional<URI> redirect(Digest digest, Duration ttl) {
        if (!redirects) {
            return Optional.empty();
        }
        String key = blobKey(digest);
        try {
            return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI", e);
        }
    }

    @Override
    public BlobWriter newWriter(String uploadId, DigestAlgorithm algorithm) {
        return new S3UploadWriter(this, s3, bucket, uploadId,
                new UploadState(0, algorithm, null, encodeState(partSize, null, List.of())), WriteFence.exclusive(),
                runningDigests);
    }

    @Override
    public BlobWriter resumeWriter(String uploadId, UploadState state, WriteFence fence) throws IOException {
        String s = state.storeState();
        if (s == null || !s.startsWith(STATE_VERSION)) {
            throw new UploadGoneException("upload " + uploadId + " was started by an older version; start it again");
        }
        return new S3UploadWriter(this, s3, bucket, uploadId, state, fence, runningDigests);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        String key = blobKey(digest);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("S3 DELETE " + key, e);
        }
    }

    @Override
    public OptionalLong minimumChunkLength() {
        return OptionalLong.of(partSize);
    }

    /**
     * Deletes the upload's objects one by one: DeleteObjects needs a request checksum that many
     * S3-compatible servers do not understand, and an upload has few objects.
     */
    @Override
    public void deleteUpload(String uploadId) throws IOException {
        String uploadPrefix = uploadPrefix(uploadId);
        try {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(uploadPrefix)).contents()) {
                s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
            }
        } catch (SdkException e) {
            throw failure("S3 cleanup of " + uploadPrefix, e);
        }
    }

    private static final String STATE_VERSION = "2/";

    /**
     * {@code 2/<part size>/<tail tag or ->/<tag>*<count>,...}: the part size, the writer of the tail,
     * and the writers of the full parts in order, run-length encoded.
     */
    static String encodeState(long partSize, String tailTag, List<String> partTags) {
        StringBuilder runs = new StringBuilder();
        for (int i = 0; i < partTags.size(); ) {
            int j = i;
            while (j < partTags.size() && partTags.get(j).equals(partTags.get(i))) {
                j++;
            }
            if (!runs.isEmpty()) {
                runs.append(',');
            }
            runs.append(partTags.get(i)).append('*').append(j - i);
            i = j;
        }
        return STATE_VERSION + partSize + "/" + (tailTag == null ? "-" : tailTag) + "/" + runs;
    }

    /**
     * Aborts multipart uploads under the store's prefix started before {@code cutoff}: publishes that
     * died between creating and completing (or aborting) one.
     */
    @Override
    public int sweepAbandoned(java.time.Instant cutoff) throws IOException {
        int aborted = 0;
        try {
            for (var upload : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix)).uploads()) {
                if (upload.initiated() != null && upload.initiated().isBefore(cutoff)) {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
                    aborted++;
                }
            }
        } catch (SdkException e) {
            throw failure("S3 sweep of multipart uploads under " + prefix, e);
        }
        return aborted;
    }

    Path spoolDirectory() {
        return spoolDirectory;
    }

    /** Closes the S3 clients. */
    public void close() {
        s3.close();
        if (presigner != null) {
            presigner.close();
        }
    }

    /** For tests: the keys under the store's prefix. */
    List<String> listKeys() {
        List<String> out = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(o -> out.add(o.key()));
        Collections.sort(out);
        return out;
    }
}
