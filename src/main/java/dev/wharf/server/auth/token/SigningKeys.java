package dev.wharf.server.auth.token;

import java.time.Instant;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Token signing keys. */
interface SigningKeys extends JpaRepository<SigningKey, String> {

    /**
     * Keys that still verify at {@code cutoff} (not revoked, and not retired or retired after it),
     * newest first.
     */
    @Query("SELECT k FROM SigningKey k WHERE k.revokedAt IS NULL AND (k.retiredAt IS NULL OR k.retiredAt > :cutoff)"
            + " ORDER BY k.createdAt DESC")
    List<SigningKey> findUsable(@Param("cutoff") Instant cutoff);

    @Query("SELECT k FROM SigningKey k ORDER BY k.createdAt DESC")
    List<SigningKey> findAllNewestFirst();

    /** Retires every active key but {@code keep}. */
    @Transactional
    @Modifying
    @Query("UPDATE SigningKey k SET k.retiredAt = :now WHERE k.retiredAt IS NULL AND k.kid <> :keep")
    int retireAllBut(@Param("keep") String keep, @Param("now") Instant now);
}
