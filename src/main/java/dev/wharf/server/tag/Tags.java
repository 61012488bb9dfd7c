package dev.wharf.server.tag;

import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The {@code tags} table: tag -> manifest, one row per tag. */
@Component
public class Tags {

    private final JdbcClient jdbc;

    public Tags(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Points the tag at the manifest, creating or moving it. */
    public void set(long repositoryId, Tag tag, long manifestId) {
        jdbc.sql("""
                        INSERT INTO tags (repository_id, name, manifest_id) VALUES (:repository, :name, :manifest)
                        ON CONFLICT (repository_id, name) DO UPDATE
                        SET manifest_id = EXCLUDED.manifest_id, updated_at = now()
                        WHERE tags.manifest_id <> EXCLUDED.manifest_id""")
                .param("repository", repositoryId)
                .param("name", tag.value())
                .param("manifest", manifestId)
                .update();
    }

    /** Removes the tag; the manifest stays. */
    public boolean delete(RepositoryName repository, Tag tag) {
        return jdbc.sql("""
                        DELETE FROM tags t USING repositories r
                        WHERE t.repository_id = r.id AND r.name = :repository AND t.name = :name""")
                .param("repository", repository.value())
                .param("name", tag.value())
                .update() > 0;
    }

    /** Up to {@code limit} tag names after {@code last} (exclusive; null for the start), in byte order. */
    public List<String> names(long repositoryId, String last, int limit) {
        return jdbc.sql("""
                        SELECT name FROM tags WHERE repository_id = :repository AND name > :last
                        ORDER BY name LIMIT :limit""")
                .param("repository", repositoryId)
                .param("last", last == null ? "" : last)
                .param("limit", limit)
                .query(String.class)
                .list();
    }
}
