package dev.wharf.server.events;

/**
 * Who is acting in the current thread: the request's principal and client address, or
 * {@link Actor#SYSTEM} outside requests. Implemented by the auth feature, which knows principals;
 * events only record them.
 */
@FunctionalInterface
public interface Actors {

    Actor current();
}
