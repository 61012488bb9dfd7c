package dev.wharf.server.storage.filesystem;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Early writeback of a file being written: every {@link #EVERY} bytes, a background thread
 * flushes what the writer has written so far ({@code fdatasync} through a descriptor of its own,
 * so the writer never waits for it, not even to close its channel). An upload is acknowledged
 * only after its own {@code fsync} at publish, as before; by then most of its bytes are on disk,
 * so that last flush has only the tail to write and the disk has worked while the body was still
 * arriving, instead of after it. Linux's own writeback would start only once a tenth of memory
 * is dirty. A hint, never a guarantee: when {@link #THREADS} flushes are running, the next one is
 * skipped, and errors are ignored (the publish's {@code fsync} reports them).
 */
final class Writeback {

    /** Bytes written between two early flushes of one file. */
    static final long EVERY = 16L * 1024 * 1024;

    /** Flushes running at once, over all files. */
    static final int THREADS = 2;

    private static final ThreadPoolExecutor FLUSHERS = new ThreadPoolExecutor(0, THREADS, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "wharf-writeback");
                thread.setDaemon(true);
                return thread;
            });

    private final Path file;
    private final AtomicBoolean running = new AtomicBoolean();
    private long unflushed;

    Writeback(Path file) {
        this.file = file;
    }

    /** Counts {@code length} bytes written to the file; starts a flush after every {@link #EVERY}. */
    void written(long length) {
        unflushed += length;
        if (unflushed < EVERY || !running.compareAndSet(false, true)) {
            return;
        }
        unflushed = 0;
        try {
            FLUSHERS.execute(this::flush);
        } catch (RejectedExecutionException e) {
            running.set(false); // every flusher is busy: the next chunk tries again
        }
    }

    private void flush() {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            // the upload was cancelled or moved on; the publish's own fsync is the one that counts
        } finally {
            running.set(false);
        }
    }
}
