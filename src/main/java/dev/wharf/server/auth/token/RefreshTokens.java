package dev.wharf.server.auth.token;

import java.time.Instant;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Refresh tokens. */
public interface RefreshTokens extends JpaRepository<RefreshToken, Long> {

    Optional<RefreshToken> findByPublicId(String publicId);

    /** Ends every refresh token a user's password obtained (after a password change). */
    @Transactional
    @Modifying
    @Query("DELETE FROM RefreshToken t WHERE t.userId = :userId AND t.accessTokenId IS NULL")
    int deleteForPassword(@Param("userId") long userId);

    @Transactional
    @Modifying
    @Query("DELETE FROM RefreshToken t WHERE t.robotId = :robotId")
    int deleteForRobot(@Param("robotId") long robotId);

    @Transactional
    @Modifying
    @Query("DELETE FROM RefreshToken t WHERE t.expiresAt < :now")
    int deleteExpired(@Param("now") Instant now);
}
