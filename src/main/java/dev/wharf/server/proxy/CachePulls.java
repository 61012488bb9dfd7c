package dev.wharf.server.proxy;

import dev.wharf.oci.Digest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * When cached manifests were last pulled, for eviction: counted in this replica's memory and
 * written every few seconds in one statement (a crash loses at most that much, which only makes
 * eviction slightly less exact). Thread-safe.
 */
@Component
class CachePulls {

    private static final Logger log = LoggerFactory.getLogger(CachePulls.class);

    private record Key(long repositoryId, String digest) {
    }

    private final CacheContents contents;
    private final Clock clock;
    private final Map<Key, Long> pending = new ConcurrentHashMap<>();

    CachePulls(CacheContents contents, Clock clock) {
        this.contents = contents;
        this.clock = clock;
    }

    void record(long repositoryId, Digest digest) {
        // instant(), not millis(): the JDK 17 tick clock of a sub-millisecond tick divides by zero in millis()
        pending.merge(new Key(repositoryId, digest.toString()), clock.instant().toEpochMilli(), Math::max);
    }

    /** Writes what was recorded since the last flush. */
    @Scheduled(fixedDelay = 5000, initialDelay = 5000)
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<Long> repositories = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (Key key : List.copyOf(pending.keySet())) {
            Long time = pending.remove(key);
            if (time != null) {
                repositories.add(key.repositoryId());
                digests.add(key.digest());
                times.add(time);
            }
        }
        try {
            contents.recordPulls(repositories, digests, times);
        } catch (RuntimeException e) {
            // a manifest evicted meanwhile, or the database is away: these times are lost, nothing more
            log.debug("could not record {} cache pulls: {}", repositories.size(), e.toString());
        }
    }
}
