package dev.wharf.server.db;

import java.sql.SQLException;
import java.util.function.Supplier;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Transactions that lost a race with another one and may simply run again: a deadlock or a
 * serialization failure (PostgreSQL aborted one of two), or a foreign key whose row another
 * transaction deleted between this one's read and its write (the garbage collector removing an
 * unreferenced blob or manifest that a push is about to use again). Also PostgreSQL's internal
 * error "new multixact has more than one updating member", which PostgreSQL 15 raised (rarely) in
 * GcRaceIT when pushes updating a repository's row ({@code pushed_at}) raced other transactions
 * holding the same row through foreign keys: the statement fails, nothing was written, and the
 * transaction succeeds when run again.
 */
public final class Conflicts {

    /** PostgreSQL's {@code foreign_key_violation}. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    /** PostgreSQL's {@code internal_error}. */
    private static final String INTERNAL_ERROR = "XX000";

    private Conflicts() {
    }

    /** True when {@code e} (or a cause) is a foreign key violation. */
    public static boolean isForeignKeyViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && FOREIGN_KEY_VIOLATION.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code e} (or a cause) is PostgreSQL's multixact error described above. */
    static boolean isMultixactConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && INTERNAL_ERROR.equals(s.getSQLState()) && s.getMessage() != null
                    && s.getMessage().contains("new multixact has more than one updating member")) {
                return true;
            }
        }
        return false;
    }

    /** True when running the transaction again may succeed. */
    public static boolean isRetryable(Throwable e) {
        return e instanceof ConcurrencyFailureException
                || e instanceof DataAccessException && (isForeignKeyViolation(e) || isMultixactConflict(e));
    }

    /**
     * Runs {@code transaction} (which must start and end its own transaction) up to {@code attempts}
     * times while it fails with a {@linkplain #isRetryable retryable} conflict; the last failure is
     * thrown.
     */
    public static <T> T retry(int attempts, Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (RuntimeException e) {
                if (attempt >= attempts || !isRetryable(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Like {@link #retry}, for a method that runs its own transaction when called outside one and
     * joins the caller's otherwise: joined, a conflict aborts the caller's whole transaction, so it
     * runs once and the caller (which owns the transaction) retries.
     */
    public static <T> T retryUnlessJoined(int attempts, Supplier<T> transaction) {
        return TransactionSynchronizationManager.isActualTransactionActive()
                ? transaction.get()
                : retry(attempts, transaction);
    }
}
