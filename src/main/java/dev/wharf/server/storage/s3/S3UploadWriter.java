package dev.wharf.server.storage.s3;

import dev.wharf.oci.Digest;
import dev.wharf.server.storage.HashingBlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.NoSuchElementException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * An upload in progress on S3: full parts and a tail, each object named by the writer that stored
 * it (see {@link WriteFence} and the layout in {@link S3BlobStore}).
 */
final class S3UploadWriter extends HashingBlobWriter {

    private final S3BlobStore store;
    private final S3Client s3;
    private final String bucket;

    /** The writers of the full parts already stored, in order; the part size (fixed per upload). */
    private final List<String> partTags = new ArrayList<>();
    private final long uploadPartSize;
    private String tailTag;
    /** Set during an append: the local spool holding the bytes after the last full part. */
    private Path spool;
    private FileChannel spoolChannel;
    private final List<String> partsDuringAppend = new ArrayList<>();

    S3UploadWriter(S3BlobStore store, S3Client s3, String bucket, String uploadId, UploadState state,
                   WriteFence fence, RunningDigests runningDigests) {
        super(uploadId, state, fence, runningDigests);
        this.store = store;
        this.s3 = s3;
        this.bucket = bucket;
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
        spool = Files.createTempFile(store.spoolDirectory(), "upload-", ".part");
        spoolChannel = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE);
        partsDuringAppend.clear();
        partsDuringAppend.addAll(partTags);
        if (tailSize() > 0) {
            try (InputStream tail = store.get(store.tailKey(uploadId, tailTag), "bytes=0-" + (tailSize() - 1))) {
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
                putSpool(store.partKey(uploadId, partsDuringAppend.size() + 1, fence.tag()));
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
        } catch (SdkException e) {
            throw S3BlobStore.failure("S3 PUT " + key, e);
        } catch (UncheckedIOException e) {
            throw new IOException("S3 PUT " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void finishAppend(long newSize) throws IOException {
        boolean hasTail = spoolChannel.position() > 0;
        if (hasTail) {
            putSpool(store.tailKey(uploadId, fence.tag()));
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
                    return store.get(keys.get(next++), null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return new SequenceInputStream(streams);
    }

    /** The objects holding the upload's bytes, in order. */
    private List<String> storedKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < partTags.size(); i++) {
            keys.add(store.partKey(uploadId, i + 1, partTags.get(i)));
        }
        if (tailSize() > 0) {
            keys.add(store.tailKey(uploadId, tailTag));
        }
        return keys;
    }

    @Override
    protected void publish(Digest digest, long size) throws IOException {
        String target = store.blobKey(digest);
        try {
            if (store.objectSize(target).isEmpty()) {
                assemble(target);
            }
        } catch (NoSuchKeyException e) {
            // the session went with its data while this request held it (its namespace was deleted)
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        } catch (SdkException e) {
            throw S3BlobStore.failure("S3 publish " + target, e);
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
        store.deleteUpload(uploadId);
    }

    @Override
    protected String storeState() {
        return S3BlobStore.encodeState(uploadPartSize, tailTag, partTags);
    }
}
