package dev.wharf.server.auth.account;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

/** Organizations. */
public interface Organizations extends JpaRepository<Organization, Long> {

    Optional<Organization> findByName(String name);

    @Query("SELECT o FROM Organization o ORDER BY o.name")
    List<Organization> findAllOrdered();

    @Query("""
            SELECT o FROM Organization o WHERE o.id IN
                (SELECT m.organizationId FROM Membership m WHERE m.userId = :userId)
            ORDER BY o.name""")
    List<Organization> findByMember(@Param("userId") long userId);
}
