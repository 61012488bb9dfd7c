package dev.wharf.server.web;

/**
 * Something the registry needs for this request is unavailable, and the message says what and
 * why: answered 503 {@code UNAVAILABLE} with {@code Retry-After}, like an outage of the database
 * (e.g. the upstream of a pull-through cache is down and nothing is cached).
 */
public class DependencyUnavailableException extends RuntimeException {

    public DependencyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
