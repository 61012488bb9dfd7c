package dev.wharf.server.auth.account;

import dev.wharf.server.storage.BlobStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What a namespace holds in the registry: its repositories (the one named like the namespace and
 * every one below {@code <namespace>/}) with their manifests, tags, blob links and upload sessions,
 * and the visibility rows of those names, and its policy (quota, immutable tags, retention). Deleting a user or an organization deletes these with
 * it, so a freed name grants nothing over old content to whoever claims it next (issue 7).
 *
 * <p>The blobs themselves stay: their {@code blobs} rows and bytes may be shared with other
 * repositories; each is queued for a garbage-collection review, which removes those no other
 * repository links.
 */
@Component
class NamespaceContents {

    private static final Logger log = LoggerFactory.getLogger(NamespaceContents.class);

    /** Names in a namespace, by range on the {@code "C"}-collated name (index-friendly; '0' follows '/'). */
    private static final String IN_NAMESPACE = "(name = :namespace OR (name >= :low AND name < :high))";

    private final JdbcClient jdbc;
    private final BlobStore store;

    NamespaceContents(JdbcClient jdbc, BlobStore store) {
        this.jdbc = jdbc;
        this.store = store;
    }

    /**
     * Deletes the namespace's repository metadata in the caller's transaction (which must be
     * active); once it commits, the stored data of the upload sessions that went with them is
     * removed, best effort (a failure is logged; the stale-upload purge cannot find them any more,
     * so what is left is an orphan for garbage collection).
     *
     * @return how many repositories were deleted
     */
    int delete(String namespace) {
        List<String> uploads = jdbc.sql("SELECT id::text FROM upload_sessions WHERE repository_id IN "
                        + "(SELECT id FROM repositories WHERE " + IN_NAMESPACE + ")")
                .params(range(namespace))
                .query(String.class)
                .list();
        // the links go with the repositories: their blobs are for the garbage collector to review.
        // Locked first, so that no link is added meanwhile that the next statement would not see
        jdbc.sql("SELECT id FROM repositories WHERE " + IN_NAMESPACE + " FOR UPDATE")
                .params(range(namespace))
                .query(Long.class)
                .list();
        jdbc.sql("""
                        INSERT INTO gc_blob_reviews (digest)
                        SELECT DISTINCT digest FROM repository_blobs WHERE repository_id IN
                            (SELECT id FROM repositories WHERE %s)
                        ON CONFLICT (digest) DO UPDATE SET queued_at = GREATEST(gc_blob_reviews.queued_at, EXCLUDED.queued_at)"""
                        .formatted(IN_NAMESPACE))
                .params(range(namespace))
                .update();
        int repositories = jdbc.sql("DELETE FROM repositories WHERE " + IN_NAMESPACE)
                .params(range(namespace))
                .update();
        jdbc.sql("DELETE FROM repository_visibility WHERE " + IN_NAMESPACE)
                .params(range(namespace))
                .update();
        // its quota, immutable tags and retention rules (its usage is 0 now: the repositories' deletion counted it down)
        jdbc.sql("DELETE FROM namespace_policies WHERE namespace = :namespace")
                .param("namespace", namespace)
                .update();
        if (!uploads.isEmpty()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    deleteUploads(uploads);
                }
            });
        }
        log.info("deleting namespace {}: {} repositories, {} open uploads", namespace, repositories, uploads.size());
        return repositories;
    }

    private void deleteUploads(List<String> uploads) {
        for (String id : uploads) {
            try {
                store.deleteUpload(id);
            } catch (IOException | RuntimeException e) {
                log.warn("could not delete the data of upload {}: {}", id, e.toString());
            }
        }
    }

    private static Map<String, Object> range(String namespace) {
        return Map.of("namespace", namespace, "low", namespace + "/", "high", namespace + "0");
    }
}
