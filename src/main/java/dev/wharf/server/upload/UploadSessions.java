package dev.wharf.server.upload;

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
 * replicas without holding a transaction (or a connection) while bytes stream. Lease times come
 * from PostgreSQL's clock ({@code clock_timestamp()}), never from a replica's: replicas whose clocks
 * disagree still agree on who holds a session. Every statement after the claim names the lease
 * token and the generation it holds (the fencing token).
 */
interface UploadSessions extends JpaRepository<UploadSession, UUID> {

    @Query(value = """
            SELECT s.* FROM upload_sessions s JOIN repositories r ON r.id = s.repository_id
            WHERE s.id = :id AND r.name = :repository""", nativeQuery = true)
    Optional<UploadSession> findInRepository(@Param("id") UUID id, @Param("repository") String repository);

    /**
     * Takes the lease of a session of {@code repository} when it is free or lapsed, and starts the
     * next generation; returns the session as claimed, or empty when it was not taken. Taking over
     * a lapsed lease (its holder never released it and may still write) makes the session not
     * continuable in place. One statement: the claim and the read of what it claimed.
     */
    @Transactional
    @Query(value = """
            UPDATE upload_sessions s SET lease_token = :token,
                lease_expires = clock_timestamp() + make_interval(secs => :ttlSeconds),
                generation = s.generation + 1,
                continuable = s.continuable AND s.lease_token IS NULL,
                updated_at = clock_timestamp()
            WHERE s.id = :id
              AND s.repository_id = (SELECT r.id FROM repositories r WHERE r.name = :repository)
              AND (s.lease_expires IS NULL OR s.lease_expires < clock_timestamp())
            RETURNING s.*""", nativeQuery = true)
    Optional<UploadSession> claim(@Param("id") UUID id, @Param("repository") String repository,
                                  @Param("token") UUID token, @Param("ttlSeconds") double ttlSeconds);

    /** Extends a lease this holder still has; returns 1 when extended. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            UPDATE upload_sessions s SET lease_expires = clock_timestamp() + make_interval(secs => :ttlSeconds),
                updated_at = clock_timestamp()
            WHERE s.id = :id AND s.lease_token = :token AND s.generation = :generation""", nativeQuery = true)
    int renew(@Param("id") UUID id, @Param("token") UUID token, @Param("generation") long generation,
              @Param("ttlSeconds") double ttlSeconds);

    /**
     * Records a successful append and gives the lease back; returns 1 unless the lease was lost. The
     * offset the append started from is checked in the same statement.
     */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            UPDATE upload_sessions s SET size = :size, digest_so_far = :digestSoFar, store_state = :storeState,
                lease_token = NULL, lease_expires = NULL, continuable = true, updated_at = clock_timestamp()
            WHERE s.id = :id AND s.lease_token = :token AND s.generation = :generation AND s.size = :fromSize""",
            nativeQuery = true)
    int recordAndRelease(@Param("id") UUID id, @Param("token") UUID token, @Param("generation") long generation,
                         @Param("fromSize") long fromSize, @Param("size") long size,
                         @Param("digestSoFar") String digestSoFar, @Param("storeState") String storeState);

    /** Gives the lease back without changes (after a failed append). */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            UPDATE upload_sessions s SET lease_token = NULL, lease_expires = NULL
            WHERE s.id = :id AND s.lease_token = :token AND s.generation = :generation""", nativeQuery = true)
    int release(@Param("id") UUID id, @Param("token") UUID token, @Param("generation") long generation);

    /** Ends a session its holder closes (published, discarded or cancelled); returns 1 unless the lease was lost. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            DELETE FROM upload_sessions s
            WHERE s.id = :id AND s.lease_token = :token AND s.generation = :generation""", nativeQuery = true)
    int deleteHeld(@Param("id") UUID id, @Param("token") UUID token, @Param("generation") long generation);

    /** How many sessions are open in the repositories of namespace {@code namespace}. */
    @Query(value = """
            SELECT count(*) FROM upload_sessions s JOIN repositories r ON r.id = s.repository_id
            WHERE r.name = :namespace OR (r.name >= :namespace || '/' AND r.name < :namespace || '0')""",
            nativeQuery = true)
    long countInNamespace(@Param("namespace") String namespace);

    /**
     * Releases every lease, for a server whose database nobody else uses, at start: the holders all
     * died with the previous run. The sessions are not continuable in place (a holder may have
     * written past what it recorded); returns how many were held.
     */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            UPDATE upload_sessions s SET lease_token = NULL, lease_expires = NULL, continuable = false
            WHERE s.lease_token IS NOT NULL""", nativeQuery = true)
    int releaseAll();

    /** Sessions idle for longer than {@code idleSeconds} whose lease is not held. */
    @Query(value = """
            SELECT s.id FROM upload_sessions s
            WHERE s.updated_at < clock_timestamp() - make_interval(secs => :idleSeconds)
              AND (s.lease_expires IS NULL OR s.lease_expires < clock_timestamp())""", nativeQuery = true)
    List<UUID> findStale(@Param("idleSeconds") double idleSeconds);

    /** Deletes a stale session unless someone claimed or touched it since; returns 1 when deleted. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query(value = """
            DELETE FROM upload_sessions s
            WHERE s.id = :id AND s.updated_at < clock_timestamp() - make_interval(secs => :idleSeconds)
              AND (s.lease_expires IS NULL OR s.lease_expires < clock_timestamp())""", nativeQuery = true)
    int deleteIfStale(@Param("id") UUID id, @Param("idleSeconds") double idleSeconds);
}
