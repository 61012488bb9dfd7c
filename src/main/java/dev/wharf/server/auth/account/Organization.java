package dev.wharf.server.auth.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An organization: a namespace whose access comes from its members' roles. */
@Entity
@Table(name = "organizations")
public class Organization {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, updatable = false)
    private String name;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    protected Organization() {
    }

    Organization(String name, Instant now) {
        this.name = name;
        this.createdAt = now;
    }

    long id() {
        return id;
    }

    public String name() {
        return name;
    }

    Instant createdAt() {
        return createdAt;
    }
}
