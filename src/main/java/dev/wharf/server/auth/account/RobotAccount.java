package dev.wharf.server.auth.account;

import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.Scope;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** A CI robot account of one namespace. Its secret is kept as a SHA-256 hash only. */
@Entity
@Table(name = "robots")
public class RobotAccount {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "public_id", nullable = false)
    private String publicId;

    @Column(nullable = false, updatable = false)
    private String namespace;

    @Column(nullable = false, updatable = false)
    private String name;

    private String description;

    @Column(nullable = false)
    private String scopes;

    @Column(name = "secret_hash", nullable = false)
    private byte[] secretHash;

    @Column(name = "secret_expires_at")
    private Instant secretExpiresAt;

    @Column(name = "secret_rotated_at", nullable = false)
    private Instant secretRotatedAt;

    @Column(name = "last_used_at")
    private Instant lastUsedAt;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    protected RobotAccount() {
    }

    RobotAccount(String namespace, String name, String description, List<Scope> scopes, Instant now) {
        this.namespace = namespace;
        this.name = name;
        this.description = description;
        this.scopes = Scope.format(scopes);
        this.createdAt = now;
    }

    void secret(String publicId, byte[] hash, Instant expiresAt, Instant now) {
        this.publicId = publicId;
        this.secretHash = hash;
        this.secretExpiresAt = expiresAt;
        this.secretRotatedAt = now;
    }

    long id() {
        return id;
    }

    String publicId() {
        return publicId;
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return name;
    }

    String description() {
        return description;
    }

    void description(String description) {
        this.description = description;
    }

    List<Scope> scopes() {
        return Scope.parse(scopes);
    }

    void scopes(List<Scope> scopes) {
        this.scopes = Scope.format(scopes);
    }

    byte[] secretHash() {
        return secretHash;
    }

    public Instant secretExpiresAt() {
        return secretExpiresAt;
    }

    public Instant secretRotatedAt() {
        return secretRotatedAt;
    }

    Instant lastUsedAt() {
        return lastUsedAt;
    }

    Instant createdAt() {
        return createdAt;
    }

    public Principal.Robot principal() {
        return new Principal.Robot(id, namespace, name, scopes(), secretRotatedAt, publicId);
    }
}
