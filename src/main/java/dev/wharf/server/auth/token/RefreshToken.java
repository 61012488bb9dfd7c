package dev.wharf.server.auth.token;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An OAuth2 refresh token, bound to the credential that obtained it: a user's password, a personal
 * access token, or a robot secret of one rotation.
 */
@Entity
@Table(name = "refresh_tokens")
class RefreshToken {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "public_id", nullable = false, updatable = false)
    private String publicId;

    @Column(name = "secret_hash", nullable = false, updatable = false)
    private byte[] secretHash;

    @Column(nullable = false, updatable = false)
    private String service;

    @Column(name = "user_id", updatable = false)
    private Long userId;

    @Column(name = "access_token_id", updatable = false)
    private Long accessTokenId;

    @Column(name = "robot_id", updatable = false)
    private Long robotId;

    @Column(name = "robot_rotated_at", updatable = false)
    private Instant robotRotatedAt;

    @Column(name = "expires_at", nullable = false, updatable = false)
    private Instant expiresAt;

    @Column(name = "last_used_at")
    private Instant lastUsedAt;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    protected RefreshToken() {
    }

    RefreshToken(String publicId, byte[] secretHash, String service, Long userId, Long accessTokenId, Long robotId,
                 Instant robotRotatedAt, Instant expiresAt, Instant now) {
        this.publicId = publicId;
        this.secretHash = secretHash;
        this.service = service;
        this.userId = userId;
        this.accessTokenId = accessTokenId;
        this.robotId = robotId;
        this.robotRotatedAt = robotRotatedAt;
        this.expiresAt = expiresAt;
        this.createdAt = now;
    }

    byte[] secretHash() {
        return secretHash;
    }

    String service() {
        return service;
    }

    Long userId() {
        return userId;
    }

    Long accessTokenId() {
        return accessTokenId;
    }

    Long robotId() {
        return robotId;
    }

    Instant robotRotatedAt() {
        return robotRotatedAt;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    void used(Instant now) {
        this.lastUsedAt = now;
    }
}
