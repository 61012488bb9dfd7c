package dev.wharf.server.storage.filesystem;

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
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Blobs as files under one root directory. The layout, in one place:
 *
 * <pre>
 * &lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;first two hex digits&gt;/&lt;hex&gt;   a published blob
 * &lt;root&gt;/uploads/&lt;upload id&gt;/&lt;writer tag&gt;                 a segment of an upload in progress
 * </pre>
 *
 * Uploads are appended in place to their last segment while writers hand over cleanly, and get a
 * new segment when a writer takes over from one that lost its lease (see {@link WriteFence}).
 * Publishing fsyncs and hard-links a single segment into {@code blobs/} (or concatenates several
 * into a file renamed there; both atomic on one filesystem), then fsyncs the directory. Reads can use the file directly
 * (sendfile). Several replicas may share the root over a network filesystem with atomic rename.
 */
public final class FilesystemBlobStore implements BlobStore {

    private final Path blobs;
    private final Path uploads;
    private final RunningDigests runningDigests;

    public FilesystemBlobStore(Path root, RunningDigests runningDigests) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        this.blobs = privateDirectories(absolute.resolve("blobs"));
        this.uploads = privateDirectories(absolute.resolve("uploads"));
        if (POSIX) {
            // a tree made by an older version was 0755: closing the root closes all of it
            Files.setPosixFilePermissions(absolute, PRIVATE_DIRECTORY);
        }
        this.runningDigests = runningDigests;
    }

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    /** Stored content is readable by the server's user alone: directories 0700, files 0600. */
    private static Path privateDirectories(Path dir) throws IOException {
        return POSIX ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY))
                : Files.createDirectories(dir);
    }

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm().prefix()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    private Path uploadPath(String uploadId) {
        if (uploadId.isEmpty() || uploadId.contains("/") || uploadId.contains("..")) {
            throw new IllegalArgumentException("bad upload id " + uploadId);
        }
        return uploads.resolve(uploadId);
    }

    @Override
    public OptionalLong stat(Digest digest) throws IOException {
        try {
            return OptionalLong.of(Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public BlobSource open(Digest digest) throws IOException {
        Path path = blobPath(digest);
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest);
        }
        return new BlobSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public Optional<Path> localFile() {
                return Optional.of(path);
            }

            @Override
            public InputStream openStream(long offset, long length) throws IOException {
                FileChannel channel;
                try {
                    channel = FileChannel.open(path, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    throw new BlobNotFoundException(digest);
                }
                channel.position(offset);
                return new BoundedInputStream(Channels.newInputStream(channel), length);
            }
        };
    }

    @Override
    public Optional<URI> redirect(Digest digest, Duration ttl) {
        return Optional.empty();
    }

    @Override
    public BlobWriter newWriter(String uploadId, DigestAlgorithm algorithm) throws IOException {
        Path dir = uploadPath(uploadId);
        if (POSIX) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        } else {
            Files.createDirectory(dir);
        }
        return new Writer(uploadId, new UploadState(0, algorithm, null, ""), WriteFence.exclusive());
    }

    @Override
    public BlobWriter resumeWriter(String uploadId, UploadState state, WriteFence fence) throws IOException {
        Path dir = uploadPath(uploadId);
        if (!Files.isDirectory(dir) || state.storeState() == null) {
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        }
        return new Writer(uploadId, state, fence);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(blobPath(digest));
    }

    @Override
    public OptionalLong minimumChunkLength() {
        return OptionalLong.empty();
    }

    @Override
    public void deleteUpload(String uploadId) throws IOException {
        Path path = uploadPath(uploadId);
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
                for (Path file : files) {
                    Files.deleteIfExists(file);
                }
            }
        }
        // also a single file: the layout of versions before segments
        Files.deleteIfExists(path);
    }

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

    /**
     * An upload as segment files in {@code uploads/<id>/}, one per writer that could not continue in
     * place (see {@link WriteFence}); the recorded state lists them with their recorded lengths, and
     * bytes past a recorded length are ignored. Typical pushes (one PATCH or a monolithic PUT, or
     * chunks handed over cleanly) have one segment, published with a hard link: no copy.
     */
    private final class Writer extends HashingBlobWriter {

        private final Path dir;
        private final List<Segment> segments;
        private FileChannel channel;
        private boolean appendingInPlace;
        private long startLength;

        Writer(String uploadId, UploadState state, WriteFence fence) {
            super(uploadId, state, fence, runningDigests);
            this.dir = uploadPath(uploadId);
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
                // a failed append may have left bytes past the recorded length
                channel.truncate(startLength);
                channel.position(startLength);
            } else {
                startLength = 0;
                Path segment = segmentPath(fence.tag());
                try {
                    channel = POSIX
                            ? FileChannel.open(segment, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                    PosixFilePermissions.asFileAttribute(PRIVATE_FILE))
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
            if (!POSIX) {
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
            Path target = blobPath(digest);
            if (Files.exists(target)) {
                return;
            }
            Path blobDir = privateDirectories(target.getParent());
            if (segments.size() == 1 && Files.size(segmentPath(segments.get(0).tag())) == size) {
                // one segment of exactly the blob: link it, leaving the upload intact for whoever
                // may still need it until the session is gone
                Path segment = segmentPath(segments.get(0).tag());
                try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
                try {
                    Files.createLink(target, segment);
                    fsyncDirectory(blobDir);
                    return;
                } catch (FileAlreadyExistsException e) {
                    return; // another upload of the same content won the race; identical bytes
                } catch (UnsupportedOperationException | FileSystemException e) {
                    // no hard links here: fall through to a copy
                }
            }
            Path assembled = dir.resolve("publish-" + fence.tag());
            try (FileChannel out = POSIX
                    ? FileChannel.open(assembled, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                            PosixFilePermissions.asFileAttribute(PRIVATE_FILE))
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
            fsyncDirectory(blobDir);
        }

        @Override
        protected void discard() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
            deleteUpload(uploadId);
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

    private static void fsyncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the rename itself is still atomic
        }
    }

    /** Limits a stream to a number of bytes. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
