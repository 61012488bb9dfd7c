package dev.wharf.server.gc;

import dev.wharf.oci.Digest;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.StoredObject;
import dev.wharf.server.upload.Uploads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds what the store holds that no metadata knows — blobs without a row (a crash between
 * publishing and recording, bytes whose removal failed after their row went) and upload scratch
 * data without a session (a failed clean-up) — and removes it once it is old enough: blobs older
 * than the review delay, scratch data older than the longer of the review delay and
 * {@code wharf.upload.stale-after} (an upload owns its scratch data before its session row exists,
 * and a monolithic upload never has one). A blob's bytes are removed while the digest is held by
 * a placeholder row ({@link BlobLinks#holdAbsent}), like the collector's. Ages are measured with
 * the {@code gcClock} bean when there is one (tests), else the system clock.
 */
@Component
class InventorySweep {

    private static final Logger log = LoggerFactory.getLogger(InventorySweep.class);
    private static final int CHUNK = 500;
    private static final int LISTED = 100;

    private final BlobStore store;
    private final BlobLinks links;
    private final Uploads uploads;
    private final TransactionTemplate transactions;
    private final JdbcClient jdbc;
    private final GcProperties properties;
    private final Duration staleAfter;
    private final Clock clock;
    private final Counter orphanBlobs;
    private final Counter orphanUploads;
    private final Counter bytesFreed;

    InventorySweep(BlobStore store, BlobLinks links, Uploads uploads, TransactionTemplate transactions,
                   JdbcClient jdbc, GcProperties properties,
                   @Value("${wharf.upload.stale-after:24h}") Duration staleAfter,
                   @Qualifier("gcClock") ObjectProvider<Clock> clock,
                   MeterRegistry meters) {
        this.store = store;
        this.links = links;
        this.uploads = uploads;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.properties = properties;
        this.staleAfter = staleAfter;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
        this.orphanBlobs = GcMetrics.deletes(meters, "orphan-blob");
        this.orphanUploads = GcMetrics.deletes(meters, "orphan-upload");
        this.bytesFreed = GcMetrics.bytesFreed(meters);
    }

    /**
     * Runs a sweep when none ran on any replica for {@code wharf.gc.inventory-interval} (the run is
     * taken with one conditional UPDATE, so one replica does it).
     */
    void runIfDue() {
        boolean mine = jdbc.sql("""
                        UPDATE gc_jobs SET last_started_at = now()
                        WHERE name = 'inventory' AND last_started_at <= now() - make_interval(secs => :interval)""")
                .param("interval", properties.inventoryInterval().toMillis() / 1000.0)
                .update() == 1;
        if (mine) {
            GarbageCollector.Inventory result = sweep(false);
            if (result.orphanBlobs() + result.orphanUploads() > 0) {
                log.info("inventory sweep: {} objects listed; removed {} blobs and {} uploads without metadata ({} bytes)",
                        result.scanned(), result.orphanBlobs(), result.orphanUploads(), result.orphanBytes());
            }
        }
    }

    /** Lists the store and removes (or, for a dry run, only reports) what no metadata knows. */
    GarbageCollector.Inventory sweep(boolean dryRun) {
        Instant now = clock.instant();
        Instant blobCutoff = now.minus(properties.reviewDelay());
        Instant uploadCutoff = now.minus(properties.reviewDelay().compareTo(staleAfter) > 0
                ? properties.reviewDelay() : staleAfter);
        Sweep sweep = new Sweep(dryRun);
        List<StoredObject.Blob> blobs = new ArrayList<>();
        List<StoredObject.Upload> scratch = new ArrayList<>();
        try {
            store.inventory(o -> {
                sweep.scanned++;
                if (o instanceof StoredObject.Blob b && b.lastModified().isBefore(blobCutoff)) {
                    blobs.add(b);
                    if (blobs.size() == CHUNK) {
                        sweepBlobs(blobs, sweep);
                    }
                } else if (o instanceof StoredObject.Upload u && u.lastModified().isBefore(uploadCutoff)) {
                    scratch.add(u);
                    if (scratch.size() == CHUNK) {
                        sweepUploads(scratch, sweep);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sweepBlobs(blobs, sweep);
        sweepUploads(scratch, sweep);
        return new GarbageCollector.Inventory(sweep.scanned, sweep.blobs, sweep.uploads, sweep.bytes,
                List.copyOf(sweep.listed));
    }

    private void sweepBlobs(List<StoredObject.Blob> candidates, Sweep sweep) {
        Set<Digest> known = links.known(candidates.stream().map(StoredObject.Blob::digest).toList());
        for (StoredObject.Blob blob : candidates) {
            if (known.contains(blob.digest())) {
                continue;
            }
            if (sweep.dryRun || removeBlob(blob.digest())) {
                sweep.found("blob", blob.digest().toString(), blob.size(), blob.lastModified());
                sweep.blobs++;
                if (!sweep.dryRun) {
                    orphanBlobs.increment();
                    bytesFreed.increment(blob.size());
                }
            }
        }
        candidates.clear();
    }

    private boolean removeBlob(Digest digest) {
        try {
            return Boolean.TRUE.equals(transactions.execute(status -> {
                status.setRollbackOnly();
                if (links.holdAbsent(List.of(digest)).isEmpty()) {
                    return false; // recorded meanwhile
                }
                try {
                    store.delete(digest);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return true;
            }));
        } catch (RuntimeException e) {
            log.warn("inventory sweep could not remove blob {}: {}", digest, e.toString());
            return false;
        }
    }

    private void sweepUploads(List<StoredObject.Upload> candidates, Sweep sweep) {
        Set<String> live = uploads.sessionsAmong(candidates.stream().map(StoredObject.Upload::uploadId).toList());
        for (StoredObject.Upload upload : candidates) {
            if (live.contains(upload.uploadId())) {
                continue;
            }
            try {
                if (!sweep.dryRun) {
                    store.deleteUpload(upload.uploadId());
                    orphanUploads.increment();
                }
                sweep.found("upload", upload.uploadId(), upload.size(), upload.lastModified());
                sweep.uploads++;
            } catch (IOException | RuntimeException e) {
                log.warn("inventory sweep could not remove upload {}: {}", upload.uploadId(), e.toString());
            }
        }
        candidates.clear();
    }

    /** What one sweep found. */
    private static final class Sweep {
        final boolean dryRun;
        final List<GarbageCollector.Orphan> listed = new ArrayList<>();
        long scanned;
        int blobs;
        int uploads;
        long bytes;

        Sweep(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void found(String kind, String name, long size, Instant lastModified) {
            bytes += size;
            if (listed.size() < LISTED) {
                listed.add(new GarbageCollector.Orphan(kind, name, size, lastModified));
            }
        }
    }
}
