package dev.wharf.server.storage.s3;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.HashingBlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
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

    private String partKey(String uploadId, long partNumber, String tag) {
        return uploadPrefix(uploadId) + String.format("part-%05d-%s", partNumber, tag);
    }

    private String tailKey(String uploadId, String tag) {
        return uploadPrefix(uploadId) + "tail-" + tag;
    }

    @Override
    public OptionalLong stat(Digest digest) throws IOException {
        return objectSize(blobKey(digest));
    }

    private OptionalLong objectSize(String key) throws IOException {
        try {
            return OptionalLong.of(s3.headObject(b -> b.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw new IOException("S3 HEAD " + key + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 HEAD " + key + ": " + e.getMessage(), e);
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

    private InputStream get(String key, String range) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key).range(range));
        } catch (NoSuchKeyException e) {
            throw new IOException("S3 object missing: " + key, e);
        } catch (SdkException e) {
            throw new IOException("S3 GET " + key + ": " + e.getMessage(), e);
        }
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
        return new Writer(uploadId, new UploadState(0, algorithm, null, encodeState(partSize, null, List.of())),
                WriteFence.exclusive());
    }

    @Override
    public BlobWriter resumeWriter(String uploadId, UploadState state, WriteFence fence) throws IOException {
        String s = state.storeState();
        if (s == null || !s.startsWith(STATE_VERSION)) {
            throw new UploadGoneException("upload " + uploadId + " was started by an older version; start it again");
        }
        return new Writer(uploadId, state, fence);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        String key = blobKey(digest);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new IOException("S3 DELETE " + key + ": " + e.getMessage(), e);
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
            throw new IOException("S3 cleanup of " + uploadPrefix + ": " + e.getMessage(), e);
        }
    }

    private static final String STATE_VERSION = "2/";

    /**
     * {@code 2/<part size>/<tail tag or ->/<tag>*<count>,...}: the part size, the writer of the tail,
     * and the writers of the full parts in order, run-length encoded.
     */
    private static String encodeState(long partSize, String tailTag, List<String> partTags) {
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
            throw new IOException("S3 sweep of multipart uploads under " + prefix + ": " + e.getMessage(), e);
        }
        return aborted;
    }

    private final class Writer extends HashingBlobWriter {

        /** The writers of the full parts already stored, in order; the part size (fixed per upload). */
        private final List<String> partTags = new ArrayList<>();
        private final long uploadPartSize;
        private String tailTag;
        /** Set during an append: the local spool holding the bytes after the last full part. */
        private Path spool;
        private FileChannel spoolChannel;
        private final List<String> partsDuringAppend = new ArrayList<>();

        Writer(String uploadId, UploadState state, WriteFence fence) {
            super(uploadId, state, fence, runningDigests);
            String[] fields = state.storeState().split("/", -1);
            if (fields.length != 4 || !fields[0].equals("2")) {
                throw new IllegalArgumentException("not an S3 upload state: " + state.storeState());
            }
            this.uploadPartSize = Long.parseLong(fields[1]);
            this.tailTag = fields[2].equals("-") ? null : fields[2];
            if (!fields[3].isEmpty()) {
                for (String run : fields[3].split(",")) {
                    int star = run.indexOf('*');
                    String tag = run.substring(0, star);
                    for (long n = Long.parseLong(run.substring(star + 1)); n > 0; n--) {
                        partTags.add(tag);
                    }
                }
            }
            if (tailSize() < 0 || tailSize() >= uploadPartSize || (tailSize() > 0) != (tailTag != null)) {
                throw new IllegalArgumentException("S3 upload state " + state.storeState() + " does not match "
                        + state.size() + " bytes");
            }
        }

        private long tailSize() {
            return size() - partTags.size() * uploadPartSize;
        }

        @Override
        protected void beginAppend() throws IOException {
            spool = Files.createTempFile(spoolDirectory, "upload-", ".part");
            spoolChannel = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE);
            partsDuringAppend.clear();
            partsDuringAppend.addAll(partTags);
            if (tailSize() > 0) {
                try (InputStream tail = get(tailKey(uploadId, tailTag), "bytes=0-" + (tailSize() - 1))) {
                    byte[] buffer = new byte[BUFFER_SIZE];
                    int n;
                    while ((n = tail.read(buffer)) != -1) {
                        writeSpool(buffer, 0, n);
                    }
                }
                if (spoolChannel.position() != tailSize()) {
                    throw new IOException("tail of upload " + uploadId + " has " + spoolChannel.position()
                            + " bytes, expected " + tailSize());
                }
            }
        }

        @Override
        protected void write(byte[] bytes, int offset, int length) throws IOException {
            while (length > 0) {
                int room = (int) Math.min(length, uploadPartSize - spoolChannel.position());
                writeSpool(bytes, offset, room);
                offset += room;
                length -= room;
                if (spoolChannel.position() == uploadPartSize) {
                    fence.check();
                    putSpool(partKey(uploadId, partsDuringAppend.size() + 1, fence.tag()));
                    partsDuringAppend.add(fence.tag());
                    spoolChannel.truncate(0);
                    spoolChannel.position(0);
                }
            }
        }

        private void writeSpool(byte[] bytes, int offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
            while (buffer.hasRemaining()) {
                spoolChannel.write(buffer);
            }
        }

        private void putSpool(String key) throws IOException {
            long length = spoolChannel.position();
            try {
                s3.putObject(b -> b.bucket(bucket).key(key).contentLength(length),
                        RequestBody.fromContentProvider(() -> {
                            try {
                                return new java.io.BufferedInputStream(Files.newInputStream(spool), BUFFER_SIZE);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }, length, "application/octet-stream"));
            } catch (SdkException | UncheckedIOException e) {
                throw new IOException("S3 PUT " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        protected void finishAppend(long newSize) throws IOException {
            boolean hasTail = spoolChannel.position() > 0;
            if (hasTail) {
                putSpool(tailKey(uploadId, fence.tag()));
            }
            partTags.clear();
            partTags.addAll(partsDuringAppend);
            tailTag = hasTail ? fence.tag() : null;
            closeSpool();
        }

        @Override
        protected void rollbackAppend(long size) throws IOException {
            // full parts written past the recorded count are overwritten by the next append or
            // removed with the upload; the recorded tail was not touched
            closeSpool();
        }

        private void closeSpool() throws IOException {
            try {
                if (spoolChannel != null) {
                    spoolChannel.close();
                }
            } finally {
                spoolChannel = null;
                if (spool != null) {
                    Files.deleteIfExists(spool);
                    spool = null;
                }
            }
        }

        @Override
        protected InputStream openStored() {
            List<String> keys = storedKeys();
            Enumeration<InputStream> streams = new Enumeration<>() {
                private int next;

                @Override
                public boolean hasMoreElements() {
                    return next < keys.size();
                }

                @Override
                public InputStream nextElement() {
                    if (next >= keys.size()) {
                        throw new NoSuchElementException();
                    }
                    try {
                        return s3.getObject(b -> b.bucket(bucket).key(keys.get(next++)));
                    } catch (SdkException e) {
                        throw new UncheckedIOException(new IOException("S3 GET: " + e.getMessage(), e));
                    }
                }
            };
            return new SequenceInputStream(streams);
        }

        /** The objects holding the upload's bytes, in order. */
        private List<String> storedKeys() {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < partTags.size(); i++) {
                keys.add(partKey(uploadId, i + 1, partTags.get(i)));
            }
            if (tailSize() > 0) {
                keys.add(tailKey(uploadId, tailTag));
            }
            return keys;
        }

        @Override
        protected void publish(Digest digest, long size) throws IOException {
            String target = blobKey(digest);
            try {
                if (objectSize(target).isEmpty()) {
                    assemble(target);
                }
            } catch (SdkException e) {
                throw new IOException("S3 publish " + target + ": " + e.getMessage(), e);
            }
        }

        private void assemble(String target) {
            List<String> keys = storedKeys();
            if (keys.isEmpty()) {
                s3.putObject(b -> b.bucket(bucket).key(target), RequestBody.empty());
                return;
            }
            if (keys.size() == 1) {
                s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(keys.get(0))
                        .destinationBucket(bucket).destinationKey(target));
                return;
            }
            String multipartId = s3.createMultipartUpload(b -> b.bucket(bucket).key(target)).uploadId();
            try {
                List<CompletedPart> completed = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) {
                    int partNumber = i + 1;
                    String source = keys.get(i);
                    String etag = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(source)
                            .destinationBucket(bucket).destinationKey(target)
                            .uploadId(multipartId).partNumber(partNumber)).copyPartResult().eTag();
                    completed.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                }
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(target).uploadId(multipartId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()));
            } catch (RuntimeException e) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(target).uploadId(multipartId));
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        @Override
        protected void discard() throws IOException {
            closeSpool();
            deleteUpload(uploadId);
        }

        @Override
        protected String storeState() {
            return encodeState(uploadPartSize, tailTag, partTags);
        }
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
