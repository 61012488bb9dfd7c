package dev.wharf.server.web;

import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The minimum rate at which a request body must arrive. Only the time spent waiting for the client
 * counts (inside reads), so a server that is slow to read (a storage write between two reads) never
 * makes its client look slow. Once at least {@code window} has been spent waiting, the bytes that
 * arrived in that time must average {@code minBytesPerSecond}; then a new window starts. Not
 * thread-safe: one per request.
 */
final class BodyRate {

    /** Thrown by a read once the body has arrived too slowly; the connection is then closed. */
    static final class TooSlowException extends IOException {
        TooSlowException(String message) {
            super(message);
        }
    }

    private final long minBytesPerSecond;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private long waitedNanos;
    private long bytes;
    private boolean tripped;

    BodyRate(long minBytesPerSecond, Duration window, LongSupplier nanoTime) {
        if (minBytesPerSecond <= 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a minimum body rate needs a positive rate and window");
        }
        this.minBytesPerSecond = minBytesPerSecond;
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
    }

    long now() {
        return nanoTime.getAsLong();
    }

    /**
     * Records a read that started at {@code startedNanos} (from {@link #now()}) and returned
     * {@code n} bytes (negative: end of body).
     *
     * @throws TooSlowException when the last full window averaged below the minimum rate
     */
    void record(long startedNanos, int n) throws TooSlowException {
        waitedNanos += Math.max(0, now() - startedNanos);
        if (n > 0) {
            bytes += n;
        }
        if (waitedNanos < windowNanos) {
            return;
        }
        // bytes / seconds waited >= minimum, without floating point
        if (bytes * 1_000_000_000L < minBytesPerSecond * waitedNanos && n >= 0) {
            tripped = true;
            throw new TooSlowException("the request body arrived at " + bytes * 1_000_000_000L / waitedNanos
                    + " bytes/s, below the minimum of " + minBytesPerSecond + " bytes/s");
        }
        waitedNanos = 0;
        bytes = 0;
    }

    /** Whether a read was refused for being too slow. */
    boolean tripped() {
        return tripped;
    }
}
