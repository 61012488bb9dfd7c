package dev.wharf.server.events;

/**
 * Who did something, as the audit log records it.
 *
 * @param name      the account ({@code alice}), robot ({@code acme+ci}) or token subject; null
 *                  when anonymous or the server itself
 * @param kind      {@code user}, {@code token} (a personal access token), {@code robot},
 *                  {@code bearer} (a bearer token), {@code anonymous} or {@code system}
 * @param address   the client's address, or null
 * @param requestId the request's id ({@code X-Request-Id}), or null
 */
public record Actor(String name, String kind, String address, String requestId) {

    /** The server itself (background work, start-up). */
    public static final Actor SYSTEM = new Actor(null, "system", null, null);

    /** The same actor seen from another address and request. */
    public Actor from(String address, String requestId) {
        return new Actor(name, kind, address, requestId);
    }
}
