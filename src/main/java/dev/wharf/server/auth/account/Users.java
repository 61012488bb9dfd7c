package dev.wharf.server.auth.account;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** User accounts. */
public interface Users extends JpaRepository<UserAccount, Long> {

    Optional<UserAccount> findByName(String name);

    @Query("SELECT u FROM UserAccount u ORDER BY u.name")
    List<UserAccount> findAllByOrderByName();

    @Query("SELECT count(u) > 0 FROM UserAccount u WHERE u.admin = true")
    boolean anyAdmin();
}
