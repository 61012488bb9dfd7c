package dev.wharf.server.gc;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Online garbage collection ({@code wharf.gc.*}; README's settings table).
 *
 * @param enabled           run the collector's workers and the inventory sweep in this replica;
 *                          reviews are queued either way and {@code POST /api/v1/gc} always works
 * @param reviewDelay       how long after something may have become unreferenced it is reviewed:
 *                          what a push uploaded stays at least this long before its manifest
 *                          must use it. Every replica should have the same
 * @param workers           worker threads per replica
 * @param interval          how long an idle worker waits before it looks for due reviews again
 * @param batchSize         reviews claimed and done in one transaction; a worker that found a full
 *                          batch goes on after a rest (see {@code dutyCycle}), otherwise it waits
 *                          {@code interval}
 * @param dutyCycle         the share of its time a busy worker spends collecting (0 to 1): after a
 *                          full batch it rests long enough to keep to it, leaving the machine to
 *                          pushes and pulls; {@code POST /api/v1/gc} does not rest
 * @param runLimit          most reviews one {@code POST /api/v1/gc} does (the answer says how
 *                          many due reviews remain)
 * @param inventoryInterval how often one replica sweeps the store for objects without metadata
 *                          ({@code 0}: never on its own)
 */
@ConfigurationProperties("wharf.gc")
record GcProperties(@DefaultValue("true") boolean enabled,
                    @DefaultValue("24h") Duration reviewDelay,
                    @DefaultValue("1") int workers,
                    @DefaultValue("10s") Duration interval,
                    @DefaultValue("100") int batchSize,
                    @DefaultValue("0.25") double dutyCycle,
                    @DefaultValue("10000") int runLimit,
                    @DefaultValue("24h") Duration inventoryInterval) {

    GcProperties {
        if (reviewDelay.isNegative() || inventoryInterval.isNegative()) {
            throw new IllegalArgumentException("wharf.gc.review-delay and .inventory-interval must not be negative");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("wharf.gc.interval must be positive");
        }
        if (!(dutyCycle > 0 && dutyCycle <= 1)) {
            throw new IllegalArgumentException("wharf.gc.duty-cycle must be more than 0 and at most 1");
        }
        if (workers < 0 || batchSize < 1 || runLimit < 1) {
            throw new IllegalArgumentException(
                    "wharf.gc.workers must be at least 0, wharf.gc.batch-size and wharf.gc.run-limit at least 1");
        }
    }

    /** The review delay in seconds, as SQL intervals take it. */
    double reviewDelaySeconds() {
        return reviewDelay.toMillis() / 1000.0;
    }
}
