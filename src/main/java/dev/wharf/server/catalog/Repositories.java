package dev.wharf.server.catalog;

import dev.wharf.oci.RepositoryName;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The {@code repositories} table. Repositories come into being with their first upload or
 * manifest; {@link #ensure} is an upsert, safe under concurrent first pushes.
 */
@Component
public class Repositories {

    private final JdbcClient jdbc;

    public Repositories(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The id of the repository, created when it does not exist yet. When a concurrent request creates
     * it first, the insert waits for that request's commit and finds nothing in its own snapshot, so
     * the lookup is repeated with a fresh one.
     */
    public long ensure(RepositoryName name) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Long> id = jdbc.sql("""
                            WITH created AS (
                                INSERT INTO repositories (name) VALUES (:name)
                                ON CONFLICT (name) DO NOTHING RETURNING id)
                            SELECT id FROM created
                            UNION ALL
                            SELECT id FROM repositories WHERE name = :name
                            LIMIT 1""")
                    .param("name", name.value())
                    .query(Long.class)
                    .optional();
            if (id.isPresent()) {
                return id.get();
            }
            OptionalLong existing = find(name);
            if (existing.isPresent()) {
                return existing.getAsLong();
            }
        }
        throw new IllegalStateException("repository " + name + " was created and deleted concurrently");
    }

    /** Records that a manifest was pushed to the repository now, in the caller's transaction. */
    public void pushed(long id) {
        jdbc.sql("UPDATE repositories SET pushed_at = now() WHERE id = :id").param("id", id).update();
    }

    public OptionalLong find(RepositoryName name) {
        return jdbc.sql("SELECT id FROM repositories WHERE name = :name")
                .param("name", name.value())
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /** Up to {@code limit} names after {@code last} (exclusive; null for the start), in byte order. */
    public List<String> names(String last, int limit) {
        return jdbc.sql("SELECT name FROM repositories WHERE name > :last ORDER BY name LIMIT :limit")
                .param("last", last == null ? "" : last)
                .param("limit", limit)
                .query(String.class)
                .list();
    }
}
