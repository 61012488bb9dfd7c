package dev.wharf.server.auth.account;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

/** Organization memberships. */
public interface Memberships extends JpaRepository<Membership, Membership.Key> {

    /** The role of user {@code userId} in the organization named {@code organization}, if any. */
    @Query(value = """
            SELECT m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE o.name = :organization AND m.user_id = :userId""", nativeQuery = true)
    Optional<String> roleIn(@Param("organization") String organization, @Param("userId") long userId);

    List<Membership> findByOrganizationId(long organizationId);

    /** The names of the organizations user {@code userId} belongs to, whatever the role. */
    @Query(value = """
            SELECT o.name FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE m.user_id = :userId""", nativeQuery = true)
    List<String> organizationsOf(@Param("userId") long userId);

    @Query("SELECT count(m) FROM Membership m WHERE m.organizationId = :org AND m.role = 'owner'")
    long countOwners(@Param("org") long organizationId);
}
