package dev.wharf.server.auth.account;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Robot accounts. */
public interface Robots extends JpaRepository<RobotAccount, Long> {

    Optional<RobotAccount> findByNamespaceAndName(String namespace, String name);

    Optional<RobotAccount> findByPublicId(String publicId);

    List<RobotAccount> findByNamespaceOrderByName(String namespace);

    long countByNamespace(String namespace);

    /** Records a use, at most once a minute per robot (no write on every request). */
    @Transactional
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            UPDATE RobotAccount r SET r.lastUsedAt = :now
            WHERE r.id = :id AND (r.lastUsedAt IS NULL OR r.lastUsedAt < :before)""")
    int touch(@Param("id") long id, @Param("now") Instant now, @Param("before") Instant before);
}
