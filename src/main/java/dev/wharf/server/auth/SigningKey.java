package dev.wharf.server.auth;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A token signing key pair, as a private JWK (JSON). Shared by every replica. */
@Entity
@Table(name = "signing_keys")
class SigningKey {

    @Id
    private String kid;

    @Column(nullable = false, updatable = false)
    private String algorithm;

    @Column(nullable = false, updatable = false)
    private String jwk;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "retired_at")
    private Instant retiredAt;

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

    String jwk() {
        return jwk;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant retiredAt() {
        return retiredAt;
    }
}
