package dev.wharf.server.storage.filesystem;

import dev.wharf.oci.Digest;
import dev.wharf.server.storage.HashingBlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An upload as segment files in {@code uploads/<id>/}, one per writer that could not continue in
 * place (see {@link WriteFence}); the recorded state lists them with their recorded lengths, and
 * bytes past a recorded length are ignored. Typical pushes (one PATCH or a monolithic PUT, or
 * chunks handed over cleanly) have one segment, published with a hard link: no copy.
 */
final class FilesystemUploadWriter extends HashingBlobWriter {

    /** A file of an upload holding {@code length} recorded bytes, written by the writer {@code tag}. */
    private record Segment(String tag, long length) {
    }

    private static List<Segment> parseSegments(String state) {
        List<Segment> segments = new ArrayList<>();
        if (state.isEmpty()) {
            return segments;
        }
        for (String entry : state.split(",")) {
            int colon = entry.indexOf(':');
            String tag = colon < 0 ? "" : entry.substring(0, colon);
            if (!tag.matches("[a-z0-9]{1,64}")) {
                throw new IllegalArgumentException("not a filesystem upload state: " + state);
            }
            segments.add(new Segment(tag, Long.parseLong(entry.substring(colon + 1))));
        }
        return segments;
    }

    private final FilesystemBlobStore store;

    private final Path dir;
    private final List<Segment> segments;
    private FileChannel channel;
    private Writeback writeback;
    private boolean appendingInPlace;
    private long startLength;

    FilesystemUploadWriter(FilesystemBlobStore store, String uploadId, UploadState state, WriteFence fence,
                           RunningDigests runningDigests) {
        super(uploadId, state, fence, runningDigests);
        this.store = store;
        this.dir = store.uploadPath(uploadId);
        this.segments = parseSegments(state.storeState());
        long total = segments.stream().mapToLong(Segment::length).sum();
        if (total != state.size()) {
            throw new IllegalArgumentException("upload " + uploadId + " records " + state.size()
                    + " bytes but its segments hold " + total);
        }
    }

    private Path segmentPath(String tag) {
        return dir.resolve(tag);
    }

    @Override
    protected void beginAppend() throws IOException {
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        appendingInPlace = last != null && (fence.continuesInPlace() || last.tag().equals(fence.tag()))
                && !published(segmentPath(last.tag()));
        if (appendingInPlace) {
            try {
                channel = FileChannel.open(segmentPath(last.tag()), StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                throw new UploadGoneException("the data of upload " + uploadId + " is gone");
            }
            startLength = last.length();
            writeback = new Writeback(segmentPath(last.tag()));
            // a failed append may have left bytes past the recorded length
            channel.truncate(startLength);
            channel.position(startLength);
        } else {
            startLength = 0;
            Path segment = segmentPath(fence.tag());
            writeback = new Writeback(segment);
            try {
                channel = FilesystemBlobStore.POSIX
                        ? FileChannel.open(segment, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                PosixFilePermissions.asFileAttribute(FilesystemBlobStore.PRIVATE_FILE))
                        : FileChannel.open(segment, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                throw new UploadGoneException("the data of upload " + uploadId + " is gone");
            }
        }
    }

    /**
     * True when the segment is also a published blob (a hard link made by a publish whose
     * session could not be closed): it must never change again.
     */
    private boolean published(Path segment) throws IOException {
        if (!FilesystemBlobStore.POSIX) {
            return false;
        }
        try {
            return ((Number) Files.getAttribute(segment, "unix:nlink")).intValue() > 1;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        } catch (NoSuchFileException e) {
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        }
    }

    @Override
    protected void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        writeback.written(length);
    }

    @Override
    protected void finishAppend(long newSize) throws IOException {
        FileChannel c = channel;
        channel = null;
        long length = c.position();
        c.close();
        if (appendingInPlace) {
            Segment last = segments.remove(segments.size() - 1);
            segments.add(new Segment(last.tag(), length));
        } else if (length > 0) {
            segments.add(new Segment(fence.tag(), length));
        } else {
            Files.deleteIfExists(segmentPath(fence.tag()));
        }
    }

    @Override
    protected void rollbackAppend(long size) throws IOException {
        FileChannel c = channel;
        channel = null;
        if (c == null) {
            return;
        }
        try (c) {
            if (appendingInPlace) {
                c.truncate(startLength);
            }
        }
        if (!appendingInPlace) {
            Files.deleteIfExists(segmentPath(fence.tag()));
        }
    }

    @Override
    protected InputStream openStored() throws IOException {
        List<InputStream> streams = new ArrayList<>();
        try {
            for (Segment segment : segments) {
                FileChannel c = FileChannel.open(segmentPath(segment.tag()), StandardOpenOption.READ);
                streams.add(new BoundedInputStream(Channels.newInputStream(c), segment.length()));
            }
        } catch (NoSuchFileException e) {
            for (InputStream in : streams) {
                in.close();
            }
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        }
        return new SequenceInputStream(java.util.Collections.enumeration(streams));
    }

    @Override
    protected void publish(Digest digest, long size) throws IOException {
        try {
            publishSegments(digest, size);
        } catch (NoSuchFileException e) {
            // the session went with its data while this request held it (its namespace was deleted)
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        }
    }

    private void publishSegments(Digest digest, long size) throws IOException {
        Path target = store.blobPath(digest);
        if (Files.exists(target)) {
            return;
        }
        Path blobDir = FilesystemBlobStore.privateDirectories(target.getParent());
        if (segments.size() == 1 && Files.size(segmentPath(segments.get(0).tag())) == size) {
            // one segment of exactly the blob: link it, leaving the upload intact for whoever
            // may still need it until the session is gone
            Path segment = segmentPath(segments.get(0).tag());
            try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            try {
                Files.createLink(target, segment);
                FilesystemBlobStore.fsyncDirectory(blobDir);
                return;
            } catch (FileAlreadyExistsException e) {
                return; // another upload of the same content won the race; identical bytes
            } catch (UnsupportedOperationException | FileSystemException e) {
                // no hard links here: fall through to a copy
            }
        }
        Path assembled = dir.resolve("publish-" + fence.tag());
        try (FileChannel out = FilesystemBlobStore.POSIX
                ? FileChannel.open(assembled, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(FilesystemBlobStore.PRIVATE_FILE))
                : FileChannel.open(assembled, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Segment segment : segments) {
                try (FileChannel in = FileChannel.open(segmentPath(segment.tag()), StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < segment.length()) {
                        long n = in.transferTo(done, segment.length() - done, out);
                        if (n <= 0) {
                            throw new UploadGoneException("segment " + segment.tag() + " of upload " + uploadId
                                    + " is shorter than recorded");
                        }
                        done += n;
                    }
                }
            }
            out.force(true);
        }
        try {
            Files.move(assembled, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(assembled);
            return;
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(assembled);
            throw new IOException("the blob store needs uploads/ and blobs/ on one filesystem", e);
        }
        FilesystemBlobStore.fsyncDirectory(blobDir);
    }

    @Override
    protected void discard() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        store.deleteUpload(uploadId);
    }

    @Override
    protected String storeState() {
        StringBuilder out = new StringBuilder();
        for (Segment segment : segments) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(segment.tag()).append(':').append(segment.length());
        }
        return out.toString();
    }
}
