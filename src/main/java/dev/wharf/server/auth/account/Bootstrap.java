package dev.wharf.server.auth.account;

import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.Secrets;
import dev.wharf.server.auth.token.TokenKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * First start, before the server takes requests: a token signing key exists, and (with auth
 * enabled) an admin account exists. Without {@code wharf.auth.admin-password} the admin's password
 * is generated, printed once to the log and written to {@code <wharf.data-dir>/admin-password},
 * readable by its owner only. Replicas starting together serialize on a PostgreSQL advisory lock,
 * so exactly one creates the admin.
 */
@Component
class Bootstrap implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
    private static final long ADMIN_LOCK = 0x7768617266414d4eL;

    private final TokenKeys keys;
    private final Users users;
    private final Namespaces namespaces;
    private final PasswordEncoder passwords;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final AuthProperties properties;
    private final Path dataDir;
    private final Clock clock;

    Bootstrap(TokenKeys keys, Users users, Namespaces namespaces, PasswordEncoder passwords, JdbcClient jdbc,
              TransactionTemplate transactions, AuthProperties properties,
              @Value("${wharf.data-dir:./data}") Path dataDir, Clock authClock) {
        this.keys = keys;
        this.users = users;
        this.namespaces = namespaces;
        this.passwords = passwords;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.properties = properties;
        this.dataDir = dataDir;
        this.clock = authClock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        keys.ensureKey();
        if (properties.enabled()) {
            ensureAdmin();
        } else {
            log.warn("wharf.auth.enabled=false: every request is allowed without credentials");
        }
    }

    private void ensureAdmin() {
        String name = properties.adminUsername();
        String configured = properties.adminPassword();
        boolean generate = configured == null || configured.isEmpty();
        String password = generate ? Secrets.password() : configured;
        Boolean created = transactions.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", ADMIN_LOCK).query(Object.class).optional();
            if (users.anyAdmin()) {
                return false;
            }
            if (!namespaces.claim(name, Namespaces.Kind.USER)) {
                throw new IllegalStateException("no admin account exists and the name wharf.auth.admin-username="
                        + name + " is taken; choose another");
            }
            users.save(new UserAccount(name, passwords.encode(password), true, clock.instant()));
            return true;
        });
        if (!Boolean.TRUE.equals(created)) {
            return;
        }
        if (!generate) {
            log.info("created admin account '{}' with the configured password", name);
            return;
        }
        Path file = dataDir.toAbsolutePath().normalize().resolve("admin-password");
        writeOwnerOnly(file, password + "\n");
        log.info("created admin account '{}' with the generated password: {}  (also written to {}, readable by its"
                + " owner only; this is the only time it is printed)", name, password, file);
    }

    static void writeOwnerOnly(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                throw new IllegalStateException("another process created " + file + " meanwhile", e);
            }
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
