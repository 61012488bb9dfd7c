package dev.wharf.server.auth.account;

import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The one name space shared by users, organizations and pull-through caches: claiming a name is an
 * insert that fails when any kind holds it already, so "acme" the user and "acme" the organization
 * (or the cache) cannot both exist.
 */
@Component
public class Namespaces {

    /** The kind of a namespace. */
    enum Kind { USER, ORGANIZATION, CACHE }

    private final JdbcClient jdbc;

    Namespaces(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Claims {@code name}; false when it is taken. Runs in the caller's transaction. */
    boolean claim(String name, Kind kind) {
        return jdbc.sql("INSERT INTO namespaces (name, kind) VALUES (:name, :kind) ON CONFLICT (name) DO NOTHING")
                .param("name", name)
                .param("kind", switch (kind) {
                    case USER -> "user";
                    case ORGANIZATION -> "organization";
                    case CACHE -> "cache";
                })
                .update() == 1;
    }

    public Optional<Kind> kind(String name) {
        return jdbc.sql("SELECT kind FROM namespaces WHERE name = :name")
                .param("name", name)
                .query(String.class)
                .optional()
                .map(k -> switch (k) {
                    case "user" -> Kind.USER;
                    case "cache" -> Kind.CACHE;
                    default -> Kind.ORGANIZATION;
                });
    }

    /**
     * Locks the row of {@code name} until the caller's transaction ends, so that checks of what the
     * namespace holds (how many robots, how many tokens its user has) and the insert that follows
     * are not raced by a concurrent request, and so that a deletion of the namespace waits for the
     * pushes into it that hold its row ({@code Repositories.holdNamespace}) and makes later ones
     * find it gone. Does nothing when there is no such namespace.
     */
    void lock(String name) {
        jdbc.sql("SELECT name FROM namespaces WHERE name = :name FOR UPDATE").param("name", name).query(String.class).list();
    }

    /** Releases {@code name}; its user or organization row goes with it (ON DELETE CASCADE). */
    void release(String name) {
        jdbc.sql("DELETE FROM namespaces WHERE name = :name").param("name", name).update();
    }
}
