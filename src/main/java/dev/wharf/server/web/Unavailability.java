package dev.wharf.server.web;

import dev.wharf.server.storage.StorageUnavailableException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import org.hibernate.TransactionException;
import org.hibernate.exception.JDBCConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a fault of something the registry depends on (its database, its object store) from a bug:
 * the former is answered 503 with {@code Retry-After}, so clients back off and retry instead of
 * failing the push, and the latter stays a 500. Decided from the exception and its causes: the
 * database's connection failures, a store that says it is unavailable
 * ({@link StorageUnavailableException}: unreachable, timed out, its own 5xx), and a refused
 * connection to anything.
 */
public final class Unavailability {

    /** Seconds a client is asked to wait before it retries. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private Unavailability() {
    }

    /** A sentence naming what is unavailable, when {@code e} is such a fault. */
    public static Optional<String> of(Throwable e) {
        return of(e, 0);
    }

    private static Optional<String> of(Throwable e, int depth) {
        for (Throwable t = e; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof SQLTransientConnectionException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof DataAccessResourceFailureException
                    || t instanceof JDBCConnectionException
                    // a rollback fails when the connection died under the transaction; the original
                    // exception is then only logged, and this one is what reaches us
                    || t instanceof TransactionException
                    || t instanceof SQLException sql && (connectionState(sql.getSQLState())
                            || "Connection is closed".equals(sql.getMessage()))) {
                return Optional.of("the registry's database is unavailable; retry later");
            }
            if (t instanceof StorageUnavailableException) {
                return Optional.of("the registry's storage is unavailable; retry later");
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return Optional.of("a service the registry depends on is unreachable; retry later");
            }
            for (Throwable suppressed : t.getSuppressed()) {
                Optional<String> found = of(suppressed, depth + 1);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Connection exceptions (class 08), too many connections (53300) and the server shutting down
     * or starting (57P01–57P03).
     */
    private static boolean connectionState(String state) {
        return state != null && (state.startsWith("08") || state.equals("53300")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }
}
