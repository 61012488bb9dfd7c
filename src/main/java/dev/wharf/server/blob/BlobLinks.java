package dev.wharf.server.blob;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Which blobs each repository may see ({@code blobs} and {@code repository_blobs}). A blob is
 * stored once; a repository sees it only after an upload to it or a mount into it linked it.
 */
@Component
public class BlobLinks {

    private final JdbcClient jdbc;

    public BlobLinks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The blob's size when it is linked into the repository. */
    public OptionalLong sizeIn(RepositoryName repository, Digest digest) {
        return jdbc.sql("""
                        SELECT b.size FROM repositories r
                        JOIN repository_blobs rb ON rb.repository_id = r.id
                        JOIN blobs b ON b.digest = rb.digest
                        WHERE r.name = :name AND rb.digest = :digest""")
                .param("name", repository.value())
                .param("digest", digest.toString())
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /**
     * Records that the store holds {@code digest} and links it into the repository. Idempotent; call
     * in a transaction only after the bytes are published.
     */
    public void link(long repositoryId, Digest digest, long size) {
        jdbc.sql("""
                        WITH blob AS (
                            INSERT INTO blobs (digest, size) VALUES (:digest, :size) ON CONFLICT DO NOTHING)
                        INSERT INTO repository_blobs (repository_id, digest) VALUES (:repository, :digest)
                        ON CONFLICT DO NOTHING""")
                .param("digest", digest.toString())
                .param("size", size)
                .param("repository", repositoryId)
                .update();
    }

    /**
     * Links a blob the source repository can see into the target repository.
     *
     * @return the blob's size, or empty when the source repository does not have it
     */
    public OptionalLong mount(RepositoryName source, long targetRepositoryId, Digest digest) {
        return jdbc.sql("""
                        INSERT INTO repository_blobs (repository_id, digest)
                        SELECT :target, rb.digest FROM repositories r
                        JOIN repository_blobs rb ON rb.repository_id = r.id
                        WHERE r.name = :source AND rb.digest = :digest
                        ON CONFLICT (repository_id, digest) DO UPDATE SET digest = EXCLUDED.digest
                        RETURNING (SELECT size FROM blobs WHERE digest = :digest)""")
                .param("target", targetRepositoryId)
                .param("source", source.value())
                .param("digest", digest.toString())
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /** Removes the blob from the repository; the bytes stay until garbage collection. */
    public boolean unlink(RepositoryName repository, Digest digest) {
        return jdbc.sql("""
                        DELETE FROM repository_blobs rb USING repositories r
                        WHERE rb.repository_id = r.id AND r.name = :name AND rb.digest = :digest""")
                .param("name", repository.value())
                .param("digest", digest.toString())
                .update() > 0;
    }

    /**
     * Which of {@code digests} the repository does not have. The links found are share-locked until
     * the transaction ends, so a concurrent blob delete cannot remove what a manifest is about to
     * reference.
     */
    public Set<Digest> missingIn(long repositoryId, Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        List<String> wanted = digests.stream().map(Digest::toString).distinct().toList();
        Set<String> found = new HashSet<>(jdbc.sql("""
                        SELECT digest FROM repository_blobs
                        WHERE repository_id = :repository AND digest IN (:digests)
                        FOR SHARE""")
                .param("repository", repositoryId)
                .param("digests", wanted)
                .query(String.class)
                .list());
        Set<Digest> missing = new HashSet<>();
        for (Digest d : digests) {
            if (!found.contains(d.toString())) {
                missing.add(d);
            }
        }
        return missing;
    }
}
