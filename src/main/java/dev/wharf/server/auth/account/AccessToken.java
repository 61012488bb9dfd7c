package dev.wharf.server.auth.account;

import dev.wharf.server.auth.Scope;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** A personal access token. Its secret is kept as a SHA-256 hash only. */
@Entity
@Table(name = "access_tokens")
public class AccessToken {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "public_id", nullable = false, updatable = false)
    private String publicId;

    @Column(name = "user_id", nullable = false, updatable = false)
    private long userId;

    @Column(nullable = false)
    private String name;

    @Column(nullable = false)
    private String scopes;

    @Column(nullable = false)
    private boolean api;

    @Column(name = "secret_hash", nullable = false, updatable = false)
    private byte[] secretHash;

    @Column(name = "expires_at")
    private Instant expiresAt;

    @Column(name = "last_used_at")
    private Instant lastUsedAt;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    protected AccessToken() {
    }

    AccessToken(String publicId, long userId, String name, List<Scope> scopes, boolean api, byte[] secretHash,
                Instant expiresAt, Instant now) {
        this.publicId = publicId;
        this.userId = userId;
        this.name = name;
        this.scopes = Scope.format(scopes);
        this.api = api;
        this.secretHash = secretHash;
        this.expiresAt = expiresAt;
        this.createdAt = now;
    }

    public long id() {
        return id;
    }

    public String publicId() {
        return publicId;
    }

    public long userId() {
        return userId;
    }

    String name() {
        return name;
    }

    public List<Scope> scopes() {
        return Scope.parse(scopes);
    }

    public boolean api() {
        return api;
    }

    byte[] secretHash() {
        return secretHash;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    Instant lastUsedAt() {
        return lastUsedAt;
    }

    Instant createdAt() {
        return createdAt;
    }
}
