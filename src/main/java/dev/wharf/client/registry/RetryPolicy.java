package dev.wharf.client.registry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently failed requests are tried again: exponential backoff with jitter.
 *
 * @param attempts how many tries in all (1 means no retry)
 * @param initial  the first delay
 * @param max      the longest delay
 */
public record RetryPolicy(int attempts, Duration initial, Duration max) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** The delay before try {@code attempt + 1} (attempt counts from 1): half to all of the backoff. */
    public Duration delay(int attempt) {
        long base = initial.toMillis() << Math.min(20, attempt - 1);
        long capped = Math.min(max.toMillis(), base);
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /** The delay a {@code Retry-After} header asks for, within {@link #max()}; null when absent or unusable. */
    public Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return Duration.ofSeconds(Math.max(0, Math.min(seconds, max.toSeconds())));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Sleeps, keeping the interrupt. */
    public static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable("interrupted", 0, e);
        }
    }
}
