package dev.wharf.server.db;

import dev.wharf.server.db.EmbeddedDatabaseConfiguration.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Starts the embedded PostgreSQL on a thread of its own as soon as the server's settings are read,
 * so that {@code initdb} and the postmaster's start (about a second on a fresh data directory)
 * overlap the application context's own start-up instead of preceding the migrations; the
 * {@code embeddedPostgres} bean then takes the server it started. Only when no
 * {@code spring.datasource.url} is set, exactly as {@link EmbeddedDatabaseConfiguration} decides.
 * A start-up that fails before the bean took the server stops it again.
 *
 * <p>Registered in {@code META-INF/spring.factories}: it must see the environment before any bean
 * exists.
 */
public final class EarlyEmbeddedDatabase implements ApplicationListener<ApplicationEvent> {

    private static final Logger log = LoggerFactory.getLogger(EarlyEmbeddedDatabase.class);

    /** Servers being started, by data directory, until their bean takes them. */
    private static final Map<Path, CompletableFuture<EmbeddedDatabase>> STARTING = new ConcurrentHashMap<>();

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            begin(prepared.getEnvironment());
        } else if (event instanceof ApplicationFailedEvent failed) {
            if (failed.getApplicationContext() != null) {
                abandon(failed.getApplicationContext().getEnvironment());
            } else {
                // failed before there was a context to tell which: none of them will be taken
                STARTING.keySet().forEach(EarlyEmbeddedDatabase::abandon);
            }
        }
    }

    private static void begin(Environment environment) {
        String url = environment.getProperty("spring.datasource.url");
        String dataDir = environment.getProperty("wharf.data-dir");
        if ((url != null && !url.isBlank()) || dataDir == null || dataDir.isBlank()) {
            return;
        }
        Path key = key(Path.of(dataDir));
        CompletableFuture<EmbeddedDatabase> future = new CompletableFuture<>();
        if (STARTING.putIfAbsent(key, future) != null) {
            return; // another context of this JVM is starting one for the same directory
        }
        Thread starter = new Thread(() -> {
            try {
                future.complete(EmbeddedDatabaseConfiguration.start(key));
            } catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }, "embedded-postgres-start");
        starter.setDaemon(true);
        starter.start();
    }

    /**
     * The server begun for {@code dataDir}, once it is up; null when none was begun (the caller
     * starts one itself).
     *
     * @throws IOException what starting it threw
     */
    static EmbeddedDatabase take(Path dataDir) throws IOException {
        CompletableFuture<EmbeddedDatabase> future = STARTING.remove(key(dataDir));
        if (future == null) {
            return null;
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.thenAccept(EarlyEmbeddedDatabase::stop);
            throw new IOException("interrupted while the embedded PostgreSQL started", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }

    /** A start-up failed before its bean took the server: stop it once it is up. */
    private static void abandon(Environment environment) {
        String dataDir = environment.getProperty("wharf.data-dir");
        if (dataDir != null && !dataDir.isBlank()) {
            abandon(key(Path.of(dataDir)));
        }
    }

    /**
     * Waits for the server to be up (its starter is a daemon thread: the JVM could otherwise exit
     * with the postmaster still starting, and leave it behind) and stops it.
     */
    private static void abandon(Path key) {
        CompletableFuture<EmbeddedDatabase> future = STARTING.remove(key);
        if (future == null) {
            return;
        }
        try {
            stop(future.get(2, TimeUnit.MINUTES));
        } catch (ExecutionException e) {
            // it did not start: nothing to stop
        } catch (TimeoutException e) {
            future.thenAccept(EarlyEmbeddedDatabase::stop);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.thenAccept(EarlyEmbeddedDatabase::stop);
        }
    }

    private static void stop(EmbeddedDatabase database) {
        try {
            database.close();
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not stop the embedded PostgreSQL of a failed start-up: {}", e.toString());
        }
    }

    private static Path key(Path dataDir) {
        return dataDir.toAbsolutePath().normalize();
    }
}
