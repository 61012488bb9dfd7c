package dev.wharf.server.auth.account;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Personal access tokens. */
public interface AccessTokens extends JpaRepository<AccessToken, Long> {

    Optional<AccessToken> findByPublicId(String publicId);

    List<AccessToken> findByUserIdOrderByCreatedAt(long userId);

    long countByUserId(long userId);

    /** Records a use, at most once a minute per token. */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE AccessToken t SET t.lastUsedAt = :now
            WHERE t.id = :id AND (t.lastUsedAt IS NULL OR t.lastUsedAt < :before)""")
    int touch(@Param("id") long id, @Param("now") Instant now, @Param("before") Instant before);
}
