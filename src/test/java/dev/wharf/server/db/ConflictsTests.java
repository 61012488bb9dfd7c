package dev.wharf.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.UncategorizedSQLException;

class ConflictsTests {

    @Test
    void deadlocksForeignKeyRacesAndThePostgresqlMultixactErrorAreRetried() {
        assertThat(Conflicts.isRetryable(new CannotAcquireLockException("deadlock"))).isTrue();
        assertThat(Conflicts.isRetryable(new DataIntegrityViolationException("fk",
                new SQLException("insert violates foreign key constraint", "23503")))).isTrue();
        assertThat(Conflicts.isRetryable(new UncategorizedSQLException("UPDATE repositories", "UPDATE repositories",
                new SQLException("ERROR: new multixact has more than one updating member: 0 2[1 (nokeyupd), 2 (nokeyupd)]",
                        "XX000")))).isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(Conflicts.isRetryable(new DataIntegrityViolationException("unique",
                new SQLException("duplicate key value", "23505")))).isFalse();
        assertThat(Conflicts.isRetryable(new UncategorizedSQLException("SELECT", "SELECT",
                new SQLException("ERROR: could not read block 7", "XX000")))).isFalse();
        assertThat(Conflicts.isRetryable(new IllegalStateException("new multixact has more than one updating member")))
                .isFalse();
    }

    @Test
    void aRetryableFailureRunsTheTransactionAgainUpToTheAttempts() {
        AtomicInteger runs = new AtomicInteger();
        assertThat(Conflicts.retry(3, () -> {
            if (runs.incrementAndGet() < 3) {
                throw new CannotAcquireLockException("deadlock");
            }
            return "done";
        })).isEqualTo("done");
        assertThat(runs).hasValue(3);

        runs.set(0);
        assertThatThrownBy(() -> Conflicts.retry(2, () -> {
            runs.incrementAndGet();
            throw new CannotAcquireLockException("deadlock");
        })).isInstanceOf(CannotAcquireLockException.class);
        assertThat(runs).hasValue(2);
    }
}
