package dev.wharf.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BodyRateTests {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong();
    private final BodyRate rate = new BodyRate(4096, Duration.ofSeconds(10), clock::get);

    /** A read that waits {@code nanos} for the client and returns {@code n} bytes. */
    private void read(long nanos, int n) throws BodyRate.TooSlowException {
        long started = rate.now();
        clock.addAndGet(nanos);
        rate.record(started, n);
    }

    @Test
    void trickleIsRefusedOnceTheWindowHasBeenWaited() throws Exception {
        for (int i = 0; i < 99; i++) {
            read(SECOND / 10, 1);
        }
        assertThat(rate.tripped()).isFalse();
        assertThatThrownBy(() -> read(SECOND / 10, 1)).isInstanceOf(BodyRate.TooSlowException.class)
                .hasMessageContaining("below the minimum of 4096 bytes/s");
        assertThat(rate.tripped()).isTrue();
    }

    @Test
    void fastBodyPassesWindowAfterWindow() throws Exception {
        for (int i = 0; i < 1000; i++) {
            read(SECOND / 10, 64 * 1024);
        }
        assertThat(rate.tripped()).isFalse();
    }

    @Test
    void timeTheServerSpendsBetweenReadsDoesNotCount() throws Exception {
        for (int i = 0; i < 100; i++) {
            read(SECOND / 100, 1024);
            clock.addAndGet(5 * SECOND); // a slow storage write between two reads
        }
        assertThat(rate.tripped()).isFalse();
    }

    @Test
    void aBurstThenSilenceIsRefusedInTheNextWindow() throws Exception {
        read(SECOND, 1024 * 1024);
        read(9 * SECOND, 0);
        read(SECOND, 100);
        assertThatThrownBy(() -> read(10 * SECOND, 100)).isInstanceOf(BodyRate.TooSlowException.class);
    }

    @Test
    void exactlyTheMinimumRatePasses() throws Exception {
        for (int i = 0; i < 100; i++) {
            read(SECOND, 4096);
        }
        assertThat(rate.tripped()).isFalse();
    }
}
