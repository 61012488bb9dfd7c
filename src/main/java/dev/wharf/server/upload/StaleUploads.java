package dev.wharf.server.upload;

import dev.wharf.server.storage.BlobStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Upload sessions nobody finished: removed with their data once idle for
 * {@code wharf.upload.stale-after} (unless a request holds them), with what crashed publishes left
 * in storage for as long.
 */
@Component
public class StaleUploads {

    private static final Logger log = LoggerFactory.getLogger(StaleUploads.class);

    private final UploadSessions sessions;
    private final BlobStore store;
    private final Clock clock = Clock.systemUTC();
    private final Duration staleAfter;

    public StaleUploads(UploadSessions sessions, BlobStore store,
                        @Value("${wharf.upload.stale-after:24h}") Duration staleAfter) {
        this.sessions = sessions;
        this.store = store;
        this.staleAfter = staleAfter;
    }

    /**
     * Removes sessions nobody has touched for {@code wharf.upload.stale-after}, with their data,
     * unless a request holds them; and what crashed publishes left in storage for as long.
     */
    @Scheduled(fixedDelayString = "${wharf.upload.purge-interval:1h}", initialDelayString = "${wharf.upload.purge-interval:1h}")
    public int purgeStale() {
        return purgeIdleFor(staleAfter);
    }

    /**
     * {@link #purgeStale} with another idleness threshold (tests use it instead of waiting). Idleness
     * is measured by PostgreSQL's clock, as leases are; held sessions are never purged, whatever
     * the threshold.
     */
    int purgeIdleFor(Duration idle) {
        double idleSeconds = idle.toNanos() / 1e9;
        int purged = 0;
        for (UUID id : sessions.findStale(idleSeconds)) {
            try {
                if (sessions.deleteIfStale(id, idleSeconds) == 1) {
                    store.deleteUpload(id.toString());
                    purged++;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("could not purge stale upload {}: {}", id, e.toString());
            }
        }
        if (purged > 0) {
            log.info("purged {} upload sessions idle for more than {}", purged, idle);
        }
        try {
            int swept = store.sweepAbandoned(clock.instant().minus(idle));
            if (swept > 0) {
                log.info("removed {} abandoned storage uploads older than {}", swept, idle);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not sweep abandoned storage uploads: {}", e.toString());
        }
        return purged;
    }
}
