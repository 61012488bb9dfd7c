package dev.wharf.server.gc;

import dev.wharf.oci.Digest;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.storage.BlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Online garbage collection: reviews what the queues say may have become unreferenced and removes
 * it when it still is, while pushes and pulls go on (docs/ARCHITECTURE.md, "Garbage collection",
 * has the locking argument). Untagged manifests that no index of their repository lists and whose
 * subject (if any) is gone are deleted, which queues their blobs' links, children and referrers;
 * links that no manifest of their repository uses are removed, which queues their blobs; blobs that
 * no repository links are deleted, row first, bytes after.
 *
 * <p>Reviews are claimed in batches of {@code wharf.gc.batch-size} with {@code FOR UPDATE SKIP
 * LOCKED} and done in the claiming transaction, so any number of workers on any number of replicas
 * share the queues. Thread-safe.
 */
@Service
public class GarbageCollector {

    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    /**
     * What a collection did (or, for a dry run, would do).
     *
     * @param reviewed  reviews done
     * @param remaining reviews still due afterwards (a run stops at {@code wharf.gc.run-limit})
     * @param inventory what the inventory sweep found, when it ran
     */
    public record Report(boolean dryRun, int manifestsDeleted, int linksDeleted, int blobsDeleted, long bytesFreed,
                         int reviewed, long remaining, Inventory inventory) {
    }

    /**
     * What an inventory sweep found in the store without metadata (and removed, unless a dry run).
     *
     * @param scanned       objects listed
     * @param orphanBlobs   blobs without a row, older than the review delay
     * @param orphanUploads upload scratch data without a session, old enough
     * @param orphanBytes   their size
     * @param orphans       the first 100 of them
     */
    public record Inventory(long scanned, int orphanBlobs, int orphanUploads, long orphanBytes, List<Orphan> orphans) {
    }

    /** One object without metadata: {@code kind} is {@code blob} (named by digest) or {@code upload} (by id). */
    public record Orphan(String kind, String name, long size, Instant lastModified) {
    }

    private final Reviews reviews;
    private final BlobLinks links;
    private final Manifests manifests;
    private final BlobStore store;
    private final TransactionTemplate transactions;
    private final InventorySweep inventory;
    private final GcProperties properties;
    private final Map<Reviews.Kind, Counter> deletes = new EnumMap<>(Reviews.Kind.class);
    private final Counter bytesFreed;
    private final Counter failures;

    GarbageCollector(Reviews reviews, BlobLinks links, Manifests manifests, BlobStore store,
                     TransactionTemplate transactions, InventorySweep inventory, GcProperties properties,
                     MeterRegistry meters) {
        this.reviews = reviews;
        this.links = links;
        this.manifests = manifests;
        this.store = store;
        this.transactions = transactions;
        this.inventory = inventory;
        this.properties = properties;
        for (Reviews.Kind kind : Reviews.Kind.values()) {
            deletes.put(kind, GcMetrics.deletes(meters, kind.label()));
        }
        this.bytesFreed = GcMetrics.bytesFreed(meters);
        this.failures = Counter.builder("wharf.gc.failures")
                .description("Garbage-collection reviews that failed and will be retried").register(meters);
    }

    /**
     * Does every due review (up to {@code wharf.gc.run-limit}) now, including the reviews its own
     * deletions queue when those are due at once (a review delay of 0), and then, when asked, an
     * inventory sweep. A dry run does the same in one transaction that is rolled back, and removes
     * nothing from the store; it holds the locks of what it looked at until it ends.
     */
    public Report collect(boolean dryRun, boolean withInventory) {
        Tally tally;
        if (dryRun) {
            // one long transaction among busy workers and pushes may lose a deadlock: it changed
            // nothing, so it runs again
            tally = Conflicts.retry(3, () -> {
                Tally attempt = new Tally(true);
                transactions.executeWithoutResult(status -> {
                    status.setRollbackOnly();
                    drain(attempt, properties.runLimit());
                });
                return attempt;
            });
        } else {
            tally = new Tally(false);
            drain(tally, properties.runLimit());
        }
        Inventory swept = withInventory ? inventory.sweep(dryRun) : null;
        return new Report(dryRun, tally.deleted(Reviews.Kind.MANIFEST), tally.deleted(Reviews.Kind.LINK),
                tally.deleted(Reviews.Kind.BLOB), tally.bytes, tally.reviewed, reviews.due(), swept);
    }

    /** Does up to {@code max} due reviews (a worker's batch); returns how many it did. */
    int drain(int max) {
        Tally tally = new Tally(false);
        drain(tally, max);
        return tally.reviewed;
    }

    private void drain(Tally tally, int max) {
        // kinds in order, again while the last pass found work: deleting a manifest queues its
        // links, removing a link queues its blob
        boolean found = true;
        while (found && tally.reviewed < max) {
            found = false;
            for (Reviews.Kind kind : Reviews.Kind.values()) {
                while (tally.reviewed < max
                        && batch(kind, tally, Math.min(properties.batchSize(), max - tally.reviewed)) > 0) {
                    found = true;
                }
            }
        }
    }

    /** What one batch of reviews deleted: how many, and for blobs the digests with their sizes. */
    private record Outcome(int deleted, Map<Digest, Long> blobs) {
    }

    /**
     * Claims up to {@code limit} due reviews of {@code kind} and does them in one transaction;
     * returns how many it claimed. When the transaction fails, its reviews are done again one at a
     * time, so that only a review that fails by itself backs off.
     */
    private int batch(Reviews.Kind kind, Tally tally, int limit) {
        List<Reviews.Review> claimed = new ArrayList<>();
        try {
            Outcome outcome = inTransaction(tally.dryRun, () -> {
                List<Reviews.Review> reviews = this.reviews.claim(kind, limit);
                claimed.addAll(reviews);
                return reviews.isEmpty() ? new Outcome(0, Map.of()) : act(kind, reviews);
            });
            tally.reviewed += claimed.size();
            if (kind == Reviews.Kind.BLOB && !tally.dryRun) {
                removeBytes(outcome.blobs().keySet());
            }
            tally.deleted(kind, outcome.deleted(), outcome.blobs().values().stream().mapToLong(Long::longValue).sum());
            return claimed.size();
        } catch (RuntimeException e) {
            if (tally.dryRun || claimed.isEmpty()) {
                throw e;
            }
            if (claimed.size() > 1) {
                for (int i = 0; i < claimed.size(); i++) {
                    batch(kind, tally, 1);
                }
                return claimed.size();
            }
            Reviews.Review review = claimed.get(0);
            failures.increment();
            log.info("garbage-collection review of {} failed, retried later: {}", review, e.toString());
            try {
                reviews.failed(review);
            } catch (RuntimeException again) {
                log.debug("could not record the failed review of {}", review, again);
            }
            tally.reviewed++;
            return 1;
        }
    }

    /** Acts on claimed reviews: deletes what is unreferenced, queues again what another transaction held. */
    private Outcome act(Reviews.Kind kind, List<Reviews.Review> claimed) {
        Map<String, Reviews.Review> byKey = new HashMap<>();
        for (Reviews.Review review : claimed) {
            byKey.put(review.repositoryId() + " " + review.digest(), review);
        }
        switch (kind) {
            case MANIFEST -> {
                Manifests.Deleted result = manifests.deleteUnreferenced(claimed.stream()
                        .map(r -> new Manifests.Key(r.repositoryId(), r.digest())).toList());
                reviews.again(kind, result.busy().stream().map(k -> byKey.get(k.repositoryId() + " " + k.digest()))
                        .toList());
                return new Outcome(result.deleted().size(), Map.of());
            }
            case LINK -> {
                BlobLinks.LinksRemoved result = links.removeUnreferenced(claimed.stream()
                        .map(r -> new BlobLinks.Link(r.repositoryId(), r.digest())).toList());
                reviews.again(kind, result.busy().stream().map(l -> byKey.get(l.repositoryId() + " " + l.digest()))
                        .toList());
                return new Outcome(result.removed().size(), Map.of());
            }
            default -> {
                BlobLinks.BlobsDeleted result = links.deleteUnlinked(claimed.stream().map(Reviews.Review::digest).toList());
                reviews.again(kind, result.busy().stream().map(d -> byKey.get("0 " + d)).toList());
                return new Outcome(result.deleted().size(), result.deleted());
            }
        }
    }

    /**
     * Removes the bytes of blobs whose rows were just deleted, holding their digests with placeholder
     * rows that are rolled back, so that no link to them can be made meanwhile. What fails here is
     * an orphan for the inventory sweep.
     */
    private void removeBytes(Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return;
        }
        try {
            transactions.executeWithoutResult(status -> {
                status.setRollbackOnly();
                for (Digest digest : links.holdAbsent(digests)) {
                    try {
                        store.delete(digest);
                    } catch (IOException | RuntimeException e) {
                        log.warn("could not remove the bytes of blob {}; the inventory sweep will: {}", digest,
                                e.toString());
                    }
                }
            });
        } catch (RuntimeException e) {
            log.warn("could not remove the bytes of {} blobs; the inventory sweep will: {}", digests.size(),
                    e.toString());
        }
    }

    private <T> T inTransaction(boolean joined, Supplier<T> work) {
        return joined ? work.get() : transactions.execute(status -> work.get());
    }

    /** What one run did. */
    private final class Tally {
        final boolean dryRun;
        final Map<Reviews.Kind, Integer> deleted = new EnumMap<>(Reviews.Kind.class);
        int reviewed;
        long bytes;

        Tally(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void deleted(Reviews.Kind kind, int count, long size) {
            deleted.merge(kind, count, Integer::sum);
            bytes += size;
            if (!dryRun && count > 0) {
                deletes.get(kind).increment(count);
                bytesFreed.increment(size);
            }
        }

        int deleted(Reviews.Kind kind) {
            return deleted.getOrDefault(kind, 0);
        }
    }
}
