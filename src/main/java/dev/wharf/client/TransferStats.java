package dev.wharf.client;

import dev.wharf.oci.Digest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts what happened to the blobs of one operation, from any thread, and passes events on. */
final class TransferStats implements TransferListener {

    private final TransferListener delegate;
    private final long started = System.nanoTime();
    private final AtomicInteger transferred = new AtomicInteger();
    private final AtomicInteger existing = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    TransferStats(TransferListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void blobStarted(String id, String label, long total) {
        delegate.blobStarted(id, label, total);
    }

    @Override
    public void blobProgress(String id, long done) {
        delegate.blobProgress(id, done);
    }

    @Override
    public void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
        switch (outcome) {
            case TRANSFERRED -> {
                transferred.incrementAndGet();
                bytes.addAndGet(Math.max(0, size));
            }
            case EXISTS -> existing.incrementAndGet();
            case MOUNTED -> mounted.incrementAndGet();
        }
        delegate.blobFinished(id, outcome, digest, size);
    }

    @Override
    public void manifestWritten(String where, Digest digest) {
        delegate.manifestWritten(where, digest);
    }

    @Override
    public void retrying(String what, int attempt, Duration delay, String cause) {
        delegate.retrying(what, attempt, delay, cause);
    }

    TransferResult result(String destination, Digest digest, String mediaType, int blobs) {
        return new TransferResult(destination, digest, mediaType, blobs, transferred.get(), existing.get(),
                mounted.get(), bytes.get(), Duration.ofNanos(System.nanoTime() - started));
    }
}
