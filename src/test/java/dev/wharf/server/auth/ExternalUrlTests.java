package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * A server that authenticates, listens beyond loopback and has no {@code wharf.external-url} warns
 * at start that its token realm follows the {@code Host} header. The test calls the start-up
 * listener and captures what it logs (a test server may listen on 127.0.0.1 only; the loopback
 * case on a real start is in {@link StartupWarningIT}).
 */
class ExternalUrlTests {

    @ParameterizedTest(name = "auth={0} external-url=''{1}'' server.address=''{2}'' -> warns: {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "true  | \"\"                          | 0.0.0.0         | true",
            "true  | \"\"                          | \"\"            | true",
            "true  | \"\"                          | ::              | true",
            "true  | \"\"                          | 192.0.2.10      | true",
            "true  | \"\"                          | fd00::2         | true",
            "true  | \"\"                          | 127.0.0.1       | false",
            "true  | \"\"                          | 127.0.0.2       | false",
            "true  | \"\"                          | ::1             | false",
            "true  | \"\"                          | localhost       | false",
            "true  | https://registry.example.com | 0.0.0.0         | false",
            "false | \"\"                          | 0.0.0.0         | false"})
    void warnsWhenTheRealmFollowsTheHostHeaderOfClientsBeyondLoopback(boolean auth, String externalUrl,
                                                                      String address, boolean warns) {
        List<ILoggingEvent> logged = logsOf(new ExternalUrl(externalUrl, address, auth));

        if (warns) {
            assertThat(logged).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("wharf.external-url is not set")
                        .contains("Host header").contains(address.isEmpty() ? "every interface" : address);
            });
        } else {
            assertThat(logged).isEmpty();
        }
    }

    private static List<ILoggingEvent> logsOf(ExternalUrl externalUrl) {
        Logger logger = (Logger) LoggerFactory.getLogger(ExternalUrl.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            externalUrl.warnWhenTheRealmFollowsTheHostHeader();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list;
    }
}
