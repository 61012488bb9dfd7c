package dev.wharf.client.registry;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One step of the distribution API: which request to send, with which scopes, and how to read the
 * answers it expects. Implementations are immutable records ({@link Endpoints}); {@link Registry}
 * sends them, authenticates, retries, and turns every unexpected status into a
 * {@link RegistryException} in one place.
 *
 * @param <T> what the step yields
 */
public interface Endpoint<T> {

    String method();

    /** The path and query below the registry's base URL, or an absolute URL (upload locations). */
    String target();

    /** The token scopes the request needs. */
    List<Scope> scopes();

    /**
     * What was asked for, for messages, e.g. {@code manifest registry.example/team/app:1.0}.
     *
     * @param registry the registry's host[:port]
     */
    String describe(String registry);

    default Map<String, String> headers() {
        return Map.of();
    }

    /** The body, or null for none. */
    default RequestBody body() {
        return null;
    }

    /**
     * True when the request may be sent again after a dropped connection, a 5xx or a token refresh
     * without the caller's help. Steps with non-replayable bodies return false.
     */
    default boolean retryable() {
        return body() == null || body().replayable();
    }

    /** True for the statuses {@link #read} handles; any other becomes a {@link RegistryException}. */
    boolean accepts(int status);

    /**
     * Reads an accepted response. The implementation owns the body: it closes it, or hands it on
     * (a blob download returns the open stream).
     */
    T read(Response response) throws IOException;
}
