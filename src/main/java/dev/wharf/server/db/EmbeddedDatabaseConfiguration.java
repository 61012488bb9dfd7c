package dev.wharf.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The zero-configuration default: when no {@code spring.datasource.url} is set, Wharf starts its own
 * PostgreSQL with its data under {@code <wharf.data-dir>/postgres}, kept across restarts. Setting
 * the datasource URL (e.g. {@code SPRING_DATASOURCE_URL}) switches to an external server.
 *
 * <p>The embedded server accepts no unauthenticated connection: it listens on 127.0.0.1 only and
 * demands scram-sha-256 for its superuser on TCP and on its Unix socket, with a random password
 * kept in {@code <wharf.data-dir>/postgres-password} (0600). A data directory made by an older
 * Wharf (trust authentication) is switched over on its first start. A postmaster left running by
 * a server that was killed ({@code kill -9}, the OOM killer) is found and stopped before the new
 * one starts: see {@link OrphanPostmaster}.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDatasourceUrl.class)
public class EmbeddedDatabaseConfiguration {

    static final String SUPERUSER = "postgres";
    static final String PASSWORD_FILE = "postgres-password";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    /** The running embedded server and the password its superuser needs. */
    public record EmbeddedDatabase(EmbeddedPostgres postgres, String password) implements AutoCloseable {
        public String jdbcUrl() {
            return postgres.getJdbcUrl(SUPERUSER, "postgres");
        }

        @Override
        public String toString() {
            return "EmbeddedDatabase[port=" + postgres.getPort() + "]";
        }

        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }

    /**
     * The embedded server: the one {@link EarlyEmbeddedDatabase} began starting as soon as the
     * settings were read, or, when it did not, one started now.
     */
    @Bean(destroyMethod = "close")
    EmbeddedDatabase embeddedPostgres(@Value("${wharf.data-dir}") Path configuredDataDir) throws IOException {
        EmbeddedDatabase early = EarlyEmbeddedDatabase.take(configuredDataDir);
        return early != null ? early : start(configuredDataDir);
    }

    /** Starts the embedded server for {@code configuredDataDir} (see the class comment). */
    static EmbeddedDatabase start(Path configuredDataDir) throws IOException {
        Path dataDir = Files.createDirectories(configuredDataDir.toAbsolutePath().normalize());
        Path dir = dataDir.resolve("postgres");
        boolean fresh = !Files.exists(dir.resolve("postgresql.conf"));
        Files.createDirectories(dir);
        String password = DatabasePassword.readOrCreate(dataDir.resolve(PASSWORD_FILE));
        log.info("no spring.datasource.url set: starting the embedded PostgreSQL in {}", dir);

        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "100")
                .setServerConfig("password_encryption", "scram-sha-256")
                // the embedded default must not lose committed pushes on a crash: zonky starts
                // PostgreSQL with -F (fsync off), which a power loss or a kernel crash punishes
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                // runs while the data directory's lock is held, just before the postmaster starts
                .setDataDirectoryCustomizer(dataDirectory -> OrphanPostmaster.stopIfRunning(dataDirectory.toPath()))
                .setConnectConfig("password", password);
        Path pwfile = null;
        if (fresh) {
            // initdb sets the superuser's password from a file and demands it on TCP and socket;
            // these options come after zonky's "-A trust" and override it
            pwfile = DatabasePassword.writeInitdbFile(dataDir, password);
            builder.setLocaleConfig("pwfile", pwfile.toString())
                    .setLocaleConfig("auth-host", "scram-sha-256")
                    .setLocaleConfig("auth-local", "scram-sha-256");
        }
        EmbeddedPostgres postgres;
        try {
            postgres = builder.start();
        } finally {
            if (pwfile != null) {
                Files.deleteIfExists(pwfile);
            }
        }
        try {
            PasswordAuthentication.enforce(postgres, dir, SUPERUSER, password);
        } catch (RuntimeException | IOException e) {
            postgres.close();
            throw e;
        }
        return new EmbeddedDatabase(postgres, password);
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedDatabase database,
                          @Value("${spring.datasource.hikari.maximum-pool-size:20}") int poolSize,
                          @Value("${spring.datasource.hikari.connection-timeout:5000}") long connectionTimeoutMillis) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(SUPERUSER);
        config.setPassword(database.password());
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(connectionTimeoutMillis);
        config.setPoolName("wharf-embedded");
        return new HikariDataSource(config);
    }

    /** Matches when no datasource URL is configured. */
    static class NoDatasourceUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("spring.datasource.url");
            return url == null || url.isBlank();
        }
    }
}
