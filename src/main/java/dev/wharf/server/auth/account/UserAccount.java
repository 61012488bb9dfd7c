package dev.wharf.server.auth.account;

import dev.wharf.server.auth.Principal;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A user: owns the namespace of their name; the password is kept as a PasswordEncoder hash. */
@Entity
@Table(name = "users")
public class UserAccount {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, updatable = false)
    private String name;

    @Column(name = "password_hash", nullable = false)
    private String passwordHash;

    @Column(nullable = false)
    private boolean admin;

    @Column(nullable = false)
    private boolean enabled = true;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected UserAccount() {
    }

    UserAccount(String name, String passwordHash, boolean admin, Instant now) {
        this.name = name;
        this.passwordHash = passwordHash;
        this.admin = admin;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public long id() {
        return id;
    }

    String name() {
        return name;
    }

    public String passwordHash() {
        return passwordHash;
    }

    public boolean admin() {
        return admin;
    }

    public boolean enabled() {
        return enabled;
    }

    Instant createdAt() {
        return createdAt;
    }

    void password(String hash, Instant now) {
        this.passwordHash = hash;
        this.updatedAt = now;
    }

    void admin(boolean admin, Instant now) {
        this.admin = admin;
        this.updatedAt = now;
    }

    void enabled(boolean enabled, Instant now) {
        this.enabled = enabled;
        this.updatedAt = now;
    }

    public Principal.User principal() {
        return new Principal.User(id, name, admin);
    }
}
