package dev.wharf.server.upload;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.time.Instant;
import java.util.UUID;
import org.springframework.data.domain.Persistable;

/**
 * An upload session as PostgreSQL keeps it: enough for any replica to continue it. While a
 * request appends to the upload it holds the session's lease, so two requests never write the same
 * upload at once.
 */
@Entity
@Table(name = "upload_sessions")
class UploadSession implements Persistable<UUID> {

    @Id
    private UUID id;

    @Column(name = "repository_id", nullable = false, updatable = false)
    private long repositoryId;

    @Column(nullable = false)
    private long size;

    @Column(nullable = false)
    private String algorithm;

    @Column(name = "digest_so_far")
    private String digestSoFar;

    @Column(name = "store_state")
    private String storeState;

    @Column(name = "lease_token")
    private UUID leaseToken;

    @Column(name = "lease_expires")
    private Instant leaseExpires;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "created_by", updatable = false)
    private String createdBy;

    @Column(nullable = false)
    private long generation;

    @Column(nullable = false)
    private boolean continuable = true;

    /**
     * True until the session is stored: its id is assigned here, so without this saving it would
     * be a merge (a SELECT, then the INSERT), one database round trip more for every upload.
     */
    @Transient
    private boolean isNew;

    protected UploadSession() {
    }

    UploadSession(UUID id, long repositoryId, String algorithm, String storeState, Instant now, String createdBy) {
        this.id = id;
        this.createdBy = createdBy;
        this.repositoryId = repositoryId;
        this.algorithm = algorithm;
        this.storeState = storeState;
        this.createdAt = now;
        this.updatedAt = now;
        this.isNew = true;
    }

    @Override
    public UUID getId() {
        return id;
    }

    @Override
    public boolean isNew() {
        return isNew;
    }

    @PostPersist
    @PostLoad
    void stored() {
        isNew = false;
    }

    UUID id() {
        return id;
    }

    long repositoryId() {
        return repositoryId;
    }

    long size() {
        return size;
    }

    String algorithm() {
        return algorithm;
    }

    String digestSoFar() {
        return digestSoFar;
    }

    String storeState() {
        return storeState;
    }

    /** The subject that started the upload (null when anonymous). */
    String createdBy() {
        return createdBy;
    }

    UUID leaseToken() {
        return leaseToken;
    }

    /** How many times the lease was claimed: the fencing token of the current holder. */
    long generation() {
        return generation;
    }

    /** False when the last claim took over a lapsed lease whose holder may still write. */
    boolean continuable() {
        return continuable;
    }
}
