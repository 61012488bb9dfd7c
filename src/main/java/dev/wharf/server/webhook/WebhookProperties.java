package dev.wharf.server.webhook;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code wharf.webhooks.*}.
 *
 * @param deniedNetworks  addresses webhooks may not be sent to (CIDR blocks): by default loopback,
 *                        link-local (cloud metadata services live there) and "this host", so a
 *                        namespace owner cannot make the registry call services on its own machine;
 *                        empty allows everything
 * @param connectTimeout  how long a delivery waits to connect
 * @param timeout         how long a delivery waits for the answer
 * @param maxAttempts     attempts before a delivery is given up ({@code failed})
 * @param initialBackoff  the wait after the first failed attempt; it doubles after each failure
 * @param maxBackoff      the longest wait between attempts
 * @param maxPerNamespace how many webhooks a namespace may have
 */
@ConfigurationProperties("wharf.webhooks")
public record WebhookProperties(
        @DefaultValue({"127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128", "169.254.0.0/16", "fe80::/10"})
        List<String> deniedNetworks,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("12") int maxAttempts,
        @DefaultValue("5s") Duration initialBackoff,
        @DefaultValue("1h") Duration maxBackoff,
        @DefaultValue("20") int maxPerNamespace) {

    public WebhookProperties {
        deniedNetworks = deniedNetworks == null ? List.of()
                : deniedNetworks.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("wharf.webhooks.max-attempts must be at least 1");
        }
        if (maxPerNamespace < 0) {
            throw new IllegalArgumentException("wharf.webhooks.max-per-namespace must not be negative");
        }
    }

    /** The wait after {@code attempts} failed attempts: doubling from the initial backoff, capped. */
    Duration backoff(int attempts) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempts && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
