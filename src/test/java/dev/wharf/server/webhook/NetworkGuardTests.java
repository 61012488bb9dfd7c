package dev.wharf.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** By default webhooks never reach the registry's own machine or the cloud metadata service. */
class NetworkGuardTests {

    private static WebhookProperties properties(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("wharf.webhooks", WebhookProperties.class);
    }

    @Test
    void theDefaultsRefuseLoopbackLinkLocalAndThisHost() throws Exception {
        NetworkGuard guard = new NetworkGuard(properties(Map.of()));
        for (String host : List.of("127.0.0.1", "127.5.6.7", "localhost", "[::1]", "169.254.169.254", "0.0.0.0", "[fe80::1]")) {
            assertThat(guard.refusal(host)).as(host).hasValueSatisfying(r -> assertThat(r).contains("denied-networks"));
        }
        for (String host : List.of("192.0.2.1", "10.1.2.3", "[2001:db8::1]")) {
            assertThat(guard.refusal(host)).as(host).isEmpty();
        }
    }

    @Test
    void anEmptySettingAllowsEverything() throws Exception {
        NetworkGuard guard = new NetworkGuard(properties(Map.of("wharf.webhooks.denied-networks", "")));
        assertThat(guard.refusal("127.0.0.1")).isEmpty();
    }

    @Test
    void backoffDoublesUpToItsCap() {
        WebhookProperties p = properties(Map.of("wharf.webhooks.initial-backoff", "5s", "wharf.webhooks.max-backoff", "1m"));
        assertThat(List.of(p.backoff(1), p.backoff(2), p.backoff(3), p.backoff(4), p.backoff(5), p.backoff(12)))
                .extracting(java.time.Duration::toSeconds).containsExactly(5L, 10L, 20L, 40L, 60L, 60L);
    }
}
