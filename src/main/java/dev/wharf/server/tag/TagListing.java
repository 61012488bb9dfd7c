package dev.wharf.server.tag;

import dev.wharf.oci.Digest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Tags as people browse them (the web UI): pages in byte order, keyset on the {@code tags} primary
 * key, each with the manifest it points at, so a page of a 100,000-tag repository is one indexed
 * range read.
 */
@Component
public class TagListing {

    /** A tag with its manifest's exact bytes. */
    public record TagRow(String name, Digest digest, String mediaType, byte[] content, Instant updatedAt,
                         Instant lastPulledAt) {
    }

    private final JdbcClient jdbc;

    public TagListing(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Up to {@code limit} tags of the repository after {@code after} (exclusive; null for the start). */
    public List<TagRow> page(long repositoryId, String after, int limit) {
        return jdbc.sql("""
                        SELECT t.name, m.digest, m.media_type, m.content, t.updated_at, t.last_pulled_at
                        FROM tags t JOIN manifests m ON m.id = t.manifest_id
                        WHERE t.repository_id = :repository AND t.name > :after
                        ORDER BY t.name LIMIT :limit""")
                .param("repository", repositoryId)
                .param("after", after == null ? "" : after)
                .param("limit", limit)
                .query((rs, n) -> new TagRow(rs.getString(1), Digest.parse(rs.getString(2)), rs.getString(3),
                        rs.getBytes(4), instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6))))
                .list();
    }

    /** Up to {@code limit} names of the tags that point at manifest {@code manifestId}, in byte order. */
    public List<String> tagsOf(long manifestId, int limit) {
        return jdbc.sql("SELECT name FROM tags WHERE manifest_id = :manifest ORDER BY name LIMIT :limit")
                .param("manifest", manifestId)
                .param("limit", limit)
                .query(String.class)
                .list();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
