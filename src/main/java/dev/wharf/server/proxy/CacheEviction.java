package dev.wharf.server.proxy;

import dev.wharf.oci.Digest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps each cache within its {@code max-bytes}: every {@code wharf.proxy.eviction-interval} a
 * cache's size is measured ({@link CacheContents#usedBytes}) and, beyond the limit, its least
 * recently pulled images are evicted, a batch at a time, until it is within. Evicting deletes the
 * cached manifests (their tags with them), as a delete through the API would; the blob links and
 * bytes they leave unreferenced are the garbage collector's to remove. One replica at a time
 * evicts a cache (an advisory lock held by each batch's transaction).
 */
@Component
class CacheEviction {

    private static final Logger log = LoggerFactory.getLogger(CacheEviction.class);
    private static final int BATCH = 20;

    private final ProxyCaches caches;
    private final CacheContents contents;
    private final CachePulls pulls;
    private final ProxyMetrics metrics;
    private final TransactionTemplate transactions;

    CacheEviction(ProxyCaches caches, CacheContents contents, CachePulls pulls, ProxyMetrics metrics,
                  TransactionTemplate transactions) {
        this.caches = caches;
        this.contents = contents;
        this.pulls = pulls;
        this.metrics = metrics;
        this.transactions = transactions;
    }

    @Scheduled(fixedDelayString = "${wharf.proxy.eviction-interval:1m}", initialDelayString = "${wharf.proxy.eviction-interval:1m}")
    void run() {
        try {
            evictAll();
        } catch (RuntimeException e) {
            log.warn("evicting from the pull-through caches failed, will retry: {}", e.toString());
        }
    }

    /**
     * Measures every cache and evicts beyond the limits.
     *
     * @return how many manifests were evicted
     */
    int evictAll() {
        pulls.flush();
        int evicted = 0;
        for (Cache cache : caches.caches()) {
            evicted += evict(cache);
        }
        return evicted;
    }

    private int evict(Cache cache) {
        long used = contents.usedBytes(cache.name());
        metrics.cachedBytes(cache.name(), used);
        int evicted = 0;
        while (cache.maxBytes() > 0 && used > cache.maxBytes()) {
            Integer n = transactions.execute(status -> {
                if (!contents.tryLockEviction(cache.name())) {
                    return -1;
                }
                int count = 0;
                for (CacheContents.Victim victim : contents.leastRecentlyPulled(cache.name(), BATCH)) {
                    List<Digest> dependents = contents.dependents(victim);
                    if (contents.evict(victim.repository(), victim.digest())) {
                        count++;
                    }
                    for (Digest d : dependents) {
                        if (contents.evict(victim.repository(), d)) {
                            count++;
                        }
                    }
                    // one image at a time: stop as soon as the cache is within its limit
                    if (contents.usedBytes(cache.name()) <= cache.maxBytes()) {
                        break;
                    }
                }
                return count;
            });
            if (n == null || n <= 0) {
                break; // another replica is at it, or there is nothing left to take
            }
            evicted += n;
            used = contents.usedBytes(cache.name());
        }
        if (evicted > 0) {
            metrics.evicted(cache.name(), evicted);
            metrics.cachedBytes(cache.name(), used);
            log.info("{}: evicted {} least recently pulled manifests; it holds {} bytes of at most {}", cache, evicted,
                    used, cache.maxBytes());
        }
        return evicted;
    }
}
