package dev.wharf.server.auth;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

/** Organization memberships. */
interface Memberships extends JpaRepository<Membership, Membership.Key> {

    /** The role of user {@code userId} in the organization named {@code organization}, if any. */
    @Query(value = """
            SELECT m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE o.name = :organization AND m.user_id = :userId""", nativeQuery = true)
    Optional<String> roleIn(@Param("organization") String organization, @Param("userId") long userId);

    List<Membership> findByOrganizationId(long organizationId);

    @Query("SELECT count(m) FROM Membership m WHERE m.organizationId = :org AND m.role = 'owner'")
    long countOwners(@Param("org") long organizationId);
}
