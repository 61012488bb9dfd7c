package dev.wharf.server.upload;

import dev.wharf.server.db.EmbeddedDatabaseConfiguration.EmbeddedDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Upload sessions leased to requests that died with the server ({@code kill -9}, the OOM killer).
 * Until such a lease lapses ({@code wharf.upload.lease-ttl}, 2 minutes by default) a client that
 * resumes the session is answered 416 and a closing PUT waits and then fails.
 *
 * <p>With the embedded database (the default) the database is this server's alone: no other
 * server can use it (its data directory is locked while one runs), so at start every lease belongs
 * to a request of the previous run, and all are released before the server takes requests. With an
 * external database a lease may belong to a live replica, which cannot be told from a dead one:
 * those leases lapse on their own.
 */
@Component
class OrphanedLeases implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(OrphanedLeases.class);

    private final UploadSessions sessions;
    private final boolean exclusiveDatabase;

    OrphanedLeases(UploadSessions sessions, ObjectProvider<EmbeddedDatabase> embedded) {
        this.sessions = sessions;
        this.exclusiveDatabase = embedded.getIfAvailable() != null;
    }

    @Override
    public void afterPropertiesSet() {
        if (!exclusiveDatabase) {
            return;
        }
        int released = sessions.releaseAll();
        if (released > 0) {
            log.warn("released {} upload sessions held by requests of a previous run that did not shut down;"
                    + " their clients can resume them", released);
        }
    }
}
