package dev.wharf.server.auth;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Which repositories are public. A repository without a row (also one not pushed yet) is private. */
@Component
public class Visibilities {

    private final JdbcClient jdbc;

    Visibilities(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public boolean isPublic(String repository) {
        return jdbc.sql("SELECT public FROM repository_visibility WHERE name = :name")
                .param("name", repository)
                .query(Boolean.class)
                .optional()
                .orElse(false);
    }

    public void set(String repository, boolean isPublic) {
        jdbc.sql("""
                        INSERT INTO repository_visibility (name, public, updated_at) VALUES (:name, :public, now())
                        ON CONFLICT (name) DO UPDATE SET public = EXCLUDED.public, updated_at = now()""")
                .param("name", repository)
                .param("public", isPublic)
                .update();
    }
}
