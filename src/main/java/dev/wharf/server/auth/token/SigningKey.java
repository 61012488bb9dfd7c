package dev.wharf.server.auth.token;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A token signing key pair, shared by every replica. {@code jwk} is the private JWK, in clear or
 * sealed by {@link KeyEncryption} (the stored form says which).
 */
@Entity
@Table(name = "signing_keys")
class SigningKey {

    @Id
    private String kid;

    @Column(nullable = false, updatable = false)
    private String algorithm;

    @Column(nullable = false)
    private String jwk;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "retired_at")
    private Instant retiredAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected SigningKey() {
    }

    SigningKey(String kid, String algorithm, String jwk, Instant now) {
        this.kid = kid;
        this.algorithm = algorithm;
        this.jwk = jwk;
        this.createdAt = now;
    }

    String kid() {
        return kid;
    }

    String algorithm() {
        return algorithm;
    }

    /** The stored form of the private key: a JWK in clear or sealed (see {@link KeyEncryption}). */
    String jwk() {
        return jwk;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant retiredAt() {
        return retiredAt;
    }

    Instant revokedAt() {
        return revokedAt;
    }

    /** Replaces the stored form (sealing a key kept in clear); the key itself is unchanged. */
    void store(String sealed) {
        this.jwk = sealed;
    }

    /** Revokes the key at {@code now}; it is retired too, if it was not already. Idempotent. */
    void revoke(Instant now) {
        if (revokedAt == null) {
            revokedAt = now;
        }
        if (retiredAt == null) {
            retiredAt = now;
        }
    }
}
