package dev.wharf.server.web;

import java.io.IOException;

/**
 * Reading the client's request body failed: the client went away, sent fewer bytes than it
 * announced, or more than it may. A client error, told apart from storage failures (which are
 * plain {@link IOException}s) so that it is answered with 400, not 500.
 */
public class RequestBodyException extends IOException {

    public RequestBodyException(String message) {
        super(message);
    }

    public RequestBodyException(String message, Throwable cause) {
        super(message, cause);
    }
}
