package dev.wharf.server.gc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The collector running in this replica while it serves: {@code wharf.gc.workers} threads doing
 * due reviews in batches, and a thread that starts the inventory sweep when it is this replica's
 * turn. Nothing runs when {@code wharf.gc.enabled} is false.
 */
@Component
class GcWorkers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GcWorkers.class);
    /** How often a replica asks whether the inventory sweep is due. */
    private static final Duration INVENTORY_CHECK = Duration.ofMinutes(1);

    private final GarbageCollector collector;
    private final InventorySweep inventory;
    private final GcProperties properties;
    private final List<Thread> threads = new ArrayList<>();
    private volatile CountDownLatch stop;

    GcWorkers(GarbageCollector collector, InventorySweep inventory, GcProperties properties) {
        this.collector = collector;
        this.inventory = inventory;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        if (!properties.enabled() || stop != null) {
            return;
        }
        CountDownLatch latch = new CountDownLatch(1);
        stop = latch;
        for (int i = 0; i < properties.workers(); i++) {
            threads.add(daemon("wharf-gc-" + (i + 1), () -> work(latch)));
        }
        if (!properties.inventoryInterval().isZero()) {
            threads.add(daemon("wharf-gc-inventory", () -> sweep(latch)));
        }
        log.info("garbage collection: {} workers, review delay {}", properties.workers(), properties.reviewDelay());
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void work(CountDownLatch stopping) {
        int failuresInARow = 0;
        while (stopping.getCount() > 0) {
            int done = 0;
            long started = System.nanoTime();
            try {
                done = collector.drain(properties.batchSize());
                failuresInARow = 0;
            } catch (RuntimeException e) {
                // e.g. the database is away: say so once, then quietly retry every interval
                if (failuresInARow++ == 0) {
                    log.warn("garbage collection paused: {}", e.toString());
                }
            }
            Duration pause = done < properties.batchSize() ? properties.interval()
                    : restAfter(Duration.ofNanos(System.nanoTime() - started));
            if (pause(stopping, pause)) {
                return;
            }
        }
    }

    /**
     * How long a worker rests after a full batch that took {@code busy}: it works at most
     * {@code wharf.gc.duty-cycle} of the time, so that pushes keep the machine (PERFORMANCE.md),
     * and never rests longer than {@code wharf.gc.interval}.
     */
    private Duration restAfter(Duration busy) {
        double duty = properties.dutyCycle();
        Duration rest = duty >= 1 ? Duration.ZERO : Duration.ofNanos((long) (busy.toNanos() * (1 - duty) / duty));
        return rest.compareTo(properties.interval()) > 0 ? properties.interval() : rest;
    }

    private void sweep(CountDownLatch stopping) {
        Duration check = properties.inventoryInterval().compareTo(INVENTORY_CHECK) < 0
                ? properties.inventoryInterval() : INVENTORY_CHECK;
        while (!pause(stopping, check)) {
            try {
                inventory.runIfDue();
            } catch (RuntimeException e) {
                log.warn("inventory sweep failed: {}", e.toString());
            }
        }
    }

    /** Waits {@code duration}; true when the workers are stopping. */
    private static boolean pause(CountDownLatch stopping, Duration duration) {
        try {
            return stopping.await(duration.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public synchronized void stop() {
        if (stop == null) {
            return;
        }
        stop.countDown();
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.clear();
        stop = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return stop != null;
    }
}
