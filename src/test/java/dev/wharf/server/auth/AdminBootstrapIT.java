package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * First start: an admin with a generated password, printed once and written to a file only its
 * owner can read; later starts (and replicas) leave it alone; a configured password is used as given.
 */
class AdminBootstrapIT {

    @Test
    void firstStartGeneratesTheAdminPasswordOnceIntoAnOwnerOnlyFile() throws IOException {
        TestDatabases.Database db = TestDatabases.create();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        String password;
        // attached once Spring Boot has set logging up, before the server starts
        try (RegistryServer first = RegistryServer.start(db, Map.of("wharf.auth.enabled", "true"),
                context -> root.addAppender(logs))) {
            Path file = first.dataDir().resolve("admin-password");
            assertThat(file).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            password = Files.readString(file).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            Auth auth = new Auth(first);
            assertThat(auth.api("GET", "/api/v1/user", Auth.basic("admin", password), null).statusCode()).isEqualTo(200);
        } finally {
            root.detachAppender(logs);
        }
        long printed = logs.list.stream().filter(e -> e.getFormattedMessage().contains(password)).count();
        assertThat(printed).as("printed once").isEqualTo(1);

        try (RegistryServer second = RegistryServer.start(db, Map.of("wharf.auth.enabled", "true"))) {
            assertThat(second.dataDir().resolve("admin-password")).as("an admin exists: nothing generated").doesNotExist();
            assertThat(new Auth(second).api("GET", "/api/v1/user", Auth.basic("admin", password), null).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void configuredAdminPasswordIsUsedAndNoFileWritten() {
        try (RegistryServer server = RegistryServer.startWithAuth(Map.of())) {
            assertThat(server.dataDir().resolve("admin-password")).doesNotExist();
            assertThat(new Auth(server).api("GET", "/api/v1/user", Auth.adminBasic(), null).statusCode()).isEqualTo(200);
        }
    }
}
