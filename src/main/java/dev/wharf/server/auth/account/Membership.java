package dev.wharf.server.auth.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** A user's role in an organization. */
@Entity
@Table(name = "memberships")
@IdClass(Membership.Key.class)
class Membership {

    /** The composite key. */
    record Key(Long organizationId, Long userId) implements Serializable {
        Key() {
            this(null, null);
        }
    }

    @Id
    @Column(name = "organization_id")
    private Long organizationId;

    @Id
    @Column(name = "user_id")
    private Long userId;

    @Column(nullable = false)
    private String role;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    protected Membership() {
    }

    Membership(long organizationId, long userId, Role role, Instant now) {
        this.organizationId = organizationId;
        this.userId = userId;
        this.role = role.wire();
        this.createdAt = now;
    }

    long organizationId() {
        return organizationId;
    }

    long userId() {
        return userId;
    }

    Role role() {
        return Role.fromWire(role);
    }

    void role(Role role) {
        this.role = role.wire();
    }
}
