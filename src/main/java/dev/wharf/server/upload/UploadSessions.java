package dev.wharf.server.upload;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/**
 * Upload sessions. The lease methods are single conditional UPDATEs, so claiming is atomic across
 * replicas without holding a transaction (or a connection) while bytes stream.
 */
interface UploadSessions extends JpaRepository<UploadSession, UUID> {

    @Query(value = """
            SELECT s.* FROM upload_sessions s JOIN repositories r ON r.id = s.repository_id
            WHERE s.id = :id AND r.name = :repository""", nativeQuery = true)
    Optional<UploadSession> findInRepository(@Param("id") UUID id, @Param("repository") String repository);

    /** Takes the lease when it is free or expired; returns 1 when taken. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE UploadSession s SET s.leaseToken = :token, s.leaseExpires = :until, s.updatedAt = :now
            WHERE s.id = :id AND (s.leaseExpires IS NULL OR s.leaseExpires < :now)""")
    int claim(@Param("id") UUID id, @Param("token") UUID token, @Param("now") Instant now,
              @Param("until") Instant until);

    /** Extends a lease this holder still has; returns 1 when extended. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE UploadSession s SET s.leaseExpires = :until, s.updatedAt = :now
            WHERE s.id = :id AND s.leaseToken = :token""")
    int renew(@Param("id") UUID id, @Param("token") UUID token, @Param("now") Instant now,
              @Param("until") Instant until);

    /** Records a successful append and gives the lease back; returns 1 unless the lease was lost. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE UploadSession s SET s.size = :size, s.digestSoFar = :digestSoFar, s.storeState = :storeState,
                s.leaseToken = NULL, s.leaseExpires = NULL, s.updatedAt = :now
            WHERE s.id = :id AND s.leaseToken = :token""")
    int recordAndRelease(@Param("id") UUID id, @Param("token") UUID token, @Param("size") long size,
                         @Param("digestSoFar") String digestSoFar, @Param("storeState") String storeState,
                         @Param("now") Instant now);

    /** Gives the lease back without changes (after a failed append). */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE UploadSession s SET s.leaseToken = NULL, s.leaseExpires = NULL
            WHERE s.id = :id AND s.leaseToken = :token""")
    int release(@Param("id") UUID id, @Param("token") UUID token);

    @Query("SELECT s.id FROM UploadSession s WHERE s.updatedAt < :cutoff")
    List<UUID> findStale(@Param("cutoff") Instant cutoff);
}
