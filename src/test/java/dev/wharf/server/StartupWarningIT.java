package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A server on the loopback interface starts without the warning about {@code wharf.external-url}
 * (the cases beyond loopback, which a test may not listen on, are in {@code ExternalUrlTests}).
 */
class StartupWarningIT {

    @Test
    void aLoopbackServerWithoutExternalUrlStartsWithoutTheRealmWarning() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        try (RegistryServer server = RegistryServer.start(TestDatabases.create(),
                RegistryServer.withAuth(java.util.Map.of()), context -> root.addAppender(logs))) {
            assertThat(server.base().getHost()).isEqualTo("127.0.0.1");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).as("the capture works").anyMatch(e -> e.getFormattedMessage().contains("admin account"));
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("wharf.external-url"));
    }
}
