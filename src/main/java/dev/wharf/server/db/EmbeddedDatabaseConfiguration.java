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
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDatasourceUrl.class)
public class EmbeddedDatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(@Value("${wharf.data-dir}") Path dataDir) throws IOException {
        Path dir = Files.createDirectories(dataDir.toAbsolutePath().normalize().resolve("postgres"));
        log.info("no spring.datasource.url set: starting the embedded PostgreSQL in {}", dir);
        return EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "100")
                // the embedded default must not lose committed pushes on a crash
                .setServerConfig("synchronous_commit", "on")
                .start();
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(EmbeddedPostgres postgres,
                          @Value("${spring.datasource.hikari.maximum-pool-size:20}") int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(poolSize);
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
