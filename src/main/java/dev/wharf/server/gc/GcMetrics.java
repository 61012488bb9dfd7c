package dev.wharf.server.gc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The collector's meters (on {@code /actuator/prometheus}): {@code wharf_gc_deletes_total{kind}}
 * (a rate of it is deletions per second), {@code wharf_gc_freed_bytes_total}, and per queue
 * {@code wharf_gc_queue_depth{kind}} and {@code wharf_gc_queue_oldest_due_seconds{kind}} (how
 * overdue the oldest due review is; 0 when none is due). The queue gauges query PostgreSQL at most
 * once per {@link #REFRESH_NANOS} per replica.
 */
@Component
class GcMetrics {

    private static final long REFRESH_NANOS = 5_000_000_000L;

    private final Reviews reviews;
    private final Map<Reviews.Kind, Reviews.Depth> depths = new EnumMap<>(Reviews.Kind.class);
    private long refreshedAt;

    GcMetrics(Reviews reviews, MeterRegistry meters) {
        this.reviews = reviews;
        for (Reviews.Kind kind : Reviews.Kind.values()) {
            Gauge.builder("wharf.gc.queue.depth", this, m -> m.value(kind, false))
                    .description("Garbage-collection reviews queued (due or not)")
                    .tag("kind", kind.label()).register(meters);
            Gauge.builder("wharf.gc.queue.oldest.due", this, m -> m.value(kind, true))
                    .description("How long the most overdue garbage-collection review has been due")
                    .baseUnit("seconds").tag("kind", kind.label()).register(meters);
        }
    }

    /** Deletions of one kind: manifest, link, blob (reviews), orphan-blob, orphan-upload (inventory). */
    static Counter deletes(MeterRegistry meters, String kind) {
        return Counter.builder("wharf.gc.deletes")
                .description("What garbage collection deleted").tag("kind", kind).register(meters);
    }

    static Counter bytesFreed(MeterRegistry meters) {
        return Counter.builder("wharf.gc.freed").baseUnit("bytes")
                .description("Blob bytes garbage collection removed").register(meters);
    }

    /** A queue's depth or overdue seconds; NaN while PostgreSQL cannot say. */
    private synchronized double value(Reviews.Kind kind, boolean overdue) {
        long now = System.nanoTime();
        if (depths.isEmpty() || now - refreshedAt > REFRESH_NANOS) {
            try {
                for (Reviews.Kind k : Reviews.Kind.values()) {
                    depths.put(k, reviews.depth(k));
                }
                refreshedAt = now;
            } catch (RuntimeException e) {
                depths.clear();
                return Double.NaN;
            }
        }
        Reviews.Depth depth = depths.get(kind);
        return overdue ? depth.oldestDueSeconds() : depth.reviews();
    }
}
