package dev.wharf.client;

import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One download of a blob that any number of readers follow while it arrives: a pull-through cache
 * streams it to the client that asked first, to every client that asks meanwhile, and into its
 * own storage, from a single request to the registry.
 *
 * <p>The bytes are spooled to a local file as they come (never held in memory) and digested on the
 * way. A dropped connection resumes with a {@code Range} request from the last byte spooled, with
 * the registry's retry policy. Readers ({@link #open()}) read the spool up to what has arrived,
 * waiting for more, but the <em>last</em> byte is released only once the whole blob matched its
 * digest (and its announced size): a reader that reaches the end has verified content, and when
 * the content turns out wrong every reader fails with an {@link IOException} instead of seeing a
 * complete, wrong blob.
 *
 * <p>Thread-safe. {@link #close()} deletes the spool; readers opened before keep reading it (the
 * open file outlives its name).
 */
public final class SharedDownload implements AutoCloseable {

    private static final int BUFFER = 256 * 1024;

    private final Registry registry;
    private final RepositoryName repository;
    private final Digest digest;
    private final Path spool;
    private final RetryPolicy retry;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    // guarded by lock
    private long written;
    private long size;
    private boolean started;
    private boolean verified;
    private Throwable failure;
    private boolean closed;

    private SharedDownload(Registry registry, RepositoryName repository, Digest digest, long expectedSize, Path spool,
                           RetryPolicy retry) {
        this.registry = registry;
        this.repository = repository;
        this.digest = digest;
        this.size = expectedSize;
        this.spool = spool;
        this.retry = retry;
    }

    /**
     * Starts downloading {@code digest} from {@code repository} of {@code registry} into
     * {@code spool} (created or truncated) on {@code executor}.
     *
     * @param expectedSize the blob's size when known (a descriptor's), else -1: then the first
     *                     response's {@code Content-Length} tells, if anything
     * @param retry        how often a failed or cut transfer is tried again
     */
    public static SharedDownload start(Registry registry, RepositoryName repository, Digest digest, long expectedSize,
                                       Path spool, RetryPolicy retry, Executor executor) {
        SharedDownload d = new SharedDownload(registry, repository, digest, expectedSize, spool, retry);
        try {
            // before anyone may open it
            FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING).close();
            executor.execute(d::run);
        } catch (IOException e) {
            d.fail(e);
        } catch (RuntimeException e) {
            d.fail(e);
        }
        return d;
    }

    public Digest digest() {
        return digest;
    }

    /** Completes with the blob's size once it is spooled and verified; fails as the download does. */
    public CompletableFuture<Long> done() {
        return done;
    }

    /**
     * Waits until the registry answered: the blob's size (-1 when the registry did not say), or
     * the failure ({@link RegistryException.NotFound} when it has no such blob).
     *
     * @throws RegistryException when the download failed
     * @throws IOException       when {@code timeout} passed first, or the wait was interrupted
     */
    public long awaitStart(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!started && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no answer from " + registry.host() + " for " + digest + " within " + timeout);
                }
                changed.awaitNanos(left);
            }
            if (failure != null) {
                throw failure instanceof RegistryException re ? re : new RegistryException.Unavailable(
                        "download of " + digest + " from " + registry.host() + " failed: " + failure.getMessage(), 0, failure);
            }
            return size;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + digest);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A reader of the blob from its first byte, following the download. Its reads block while no
     * new byte has arrived; it ends only after verification and fails when the download fails.
     *
     * @throws IOException when the spool is gone ({@link #close()} ran)
     */
    public InputStream open() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("the download of " + digest + " is over");
            }
            return new Follower(FileChannel.open(spool, StandardOpenOption.READ));
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the spool. Readers already open keep reading. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            Files.deleteIfExists(spool);
        } catch (IOException ignored) {
            // a temporary file; the directory is scratch space
        }
    }

    private void run() {
        try (FileChannel out = FileChannel.open(spool, StandardOpenOption.WRITE)) {
            MessageDigest md = digest.algorithm().newMessageDigest();
            byte[] buffer = new byte[BUFFER];
            int failures = 0;
            while (true) {
                long offset = position();
                try {
                    Endpoints.BlobStream stream = registry.send(new Endpoints.GetBlob(repository, digest, offset));
                    try (InputStream in = stream.body()) {
                        if (stream.offset() != offset) {
                            // the registry ignored the Range: start over
                            md.reset();
                            offset = 0;
                            setWritten(0);
                        }
                        announce(stream.length() >= 0 ? stream.offset() + stream.length() : -1);
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            long known = knownSize();
                            if (known >= 0 && offset + n > known) {
                                throw new RegistryException.IntegrityFailure(registry.host() + "/" + repository + "@"
                                        + digest + " is larger than its " + known + " bytes");
                            }
                            ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                            long at = offset;
                            while (b.hasRemaining()) {
                                at += out.write(b, at);
                            }
                            md.update(buffer, 0, n);
                            offset += n;
                            setWritten(offset);
                        }
                    }
                    break;
                } catch (IOException e) {
                    failures++;
                    if (failures >= retry.attempts() || Thread.currentThread().isInterrupted()) {
                        throw new RegistryException.Unavailable("download of " + registry.host() + "/" + repository + "@"
                                + digest + " kept failing: " + e.getMessage(), 0, e);
                    }
                    RetryPolicy.sleep(retry.delay(failures));
                }
            }
            long total = position();
            long known = knownSize();
            if (known >= 0 && total != known) {
                throw new RegistryException.IntegrityFailure(registry.host() + "/" + repository + "@" + digest + " has "
                        + total + " bytes, not the " + known + " announced");
            }
            Digest actual = Digest.finish(digest.algorithm(), md);
            if (!actual.equals(digest)) {
                throw new RegistryException.IntegrityFailure("the registry " + registry.host() + " sent content for "
                        + repository + "@" + digest + " whose digest is " + actual);
            }
            lock.lock();
            try {
                size = total;
                started = true;
                verified = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            done.complete(total);
        } catch (RuntimeException | IOException e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        lock.lock();
        try {
            failure = e;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        done.completeExceptionally(e);
    }

    private long position() {
        lock.lock();
        try {
            return written;
        } finally {
            lock.unlock();
        }
    }

    private long knownSize() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    private void setWritten(long value) {
        lock.lock();
        try {
            written = value;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The first answer arrived; it may tell the size. */
    private void announce(long total) {
        lock.lock();
        try {
            if (size < 0 && total >= 0) {
                size = total;
            }
            started = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Reads the spool behind the download, never past what is verified to be the end. */
    private final class Follower extends InputStream {
        private final FileChannel in;
        private long position;
        private boolean eof;

        Follower(FileChannel in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (eof) {
                return -1;
            }
            long readable = awaitReadable();
            if (readable < 0) {
                eof = true;
                return -1;
            }
            int want = (int) Math.min(len, readable);
            int n = in.read(ByteBuffer.wrap(b, off, want), position);
            if (n < 0) {
                throw new IOException("the spool of " + digest + " ends before byte " + position);
            }
            position += n;
            return n;
        }

        /** How many bytes may be read now (at least one), or -1 at the verified end. */
        private long awaitReadable() throws IOException {
            lock.lock();
            try {
                while (true) {
                    if (failure != null) {
                        throw new IOException("the download of " + digest + " failed: " + failure.getMessage(), failure);
                    }
                    // the last byte waits for verification
                    long limit = verified ? written : Math.max(0, written - 1);
                    if (position < limit) {
                        return limit - position;
                    }
                    if (verified) {
                        return -1;
                    }
                    changed.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + digest);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
