package dev.wharf.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.support.GenericApplicationContext;

/**
 * A clock for tests that move time instead of waiting for it. It starts at the system time and
 * stands still unless {@link #advance moved}, but for one microsecond per reading, so that
 * instants stay distinct and ordered as the server expects of its own clock (newest signing key
 * first, for instance). Shared by every server a test starts with {@link #initializer()};
 * thread-safe.
 *
 * <p>It replaces the server's time source for time-based rules (token lifetimes, key grace,
 * credential caches, login throttling). It does not move PostgreSQL's clock: what is timed by the
 * database (upload leases, by design) is moved another way.
 */
public final class TestClock extends Clock {

    private static final Duration STEP = Duration.ofNanos(1000);

    private final AtomicReference<Instant> now = new AtomicReference<>(
            Clock.tick(Clock.systemUTC(), STEP).instant());

    /** Moves time forward by {@code duration} for every server using this clock. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward: " + duration);
        }
        now.accumulateAndGet(null, (t, ignored) -> t.plus(duration));
    }

    /**
     * Registers this clock as the primary {@link Clock} bean of a server, so it is what the
     * server's components are given instead of their own (see {@code RegistryServer.start}).
     */
    public ApplicationContextInitializer<GenericApplicationContext> initializer() {
        return context -> context.registerBean("testClock", Clock.class, () -> this, d -> d.setPrimary(true));
    }

    @Override
    public Instant instant() {
        return now.updateAndGet(t -> t.plus(STEP));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock stays in UTC");
    }
}
