package dev.wharf.cli;

import dev.wharf.client.registry.RegistryException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * The exit codes of the {@code wharf} client commands, one per kind of failure a script may want to
 * tell apart.
 */
public final class ExitCodes {

    public static final int OK = 0;
    /** Anything not listed below (a local file that cannot be written, a registry refusing a request...). */
    public static final int FAILURE = 1;
    /** The command line is wrong, or names something unusable (a bad reference, a missing platform). */
    public static final int USAGE = 2;
    /** The registry wants (other) credentials: 401 or 403. */
    public static final int AUTH = 3;
    /** The manifest, repository or local file asked for does not exist. */
    public static final int NOT_FOUND = 4;
    /** The registry cannot be reached, or kept failing after retries. */
    public static final int NETWORK = 5;
    /** Content did not match its digest; nothing built on it was kept. */
    public static final int INTEGRITY = 6;

    private ExitCodes() {
    }

    /** The exit code for a failure. */
    public static int of(Throwable e) {
        if (e instanceof RegistryException.AuthenticationRequired || e instanceof RegistryException.Denied) {
            return AUTH;
        }
        if (e instanceof RegistryException.NotFound) {
            return NOT_FOUND;
        }
        if (e instanceof RegistryException.Unavailable) {
            return NETWORK;
        }
        if (e instanceof RegistryException.IntegrityFailure) {
            return INTEGRITY;
        }
        if (e instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (e instanceof NoSuchFileException
                || e instanceof UncheckedIOException u && u.getCause() instanceof NoSuchFileException) {
            return NOT_FOUND;
        }
        return FAILURE;
    }
}
