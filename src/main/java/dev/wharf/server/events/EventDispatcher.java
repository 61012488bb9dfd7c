package dev.wharf.server.events;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Hands committed events to the {@link EventSubscriber}s, exactly once each, on any replica.
 *
 * <p>A batch of undispatched events is claimed with {@code FOR UPDATE SKIP LOCKED} (replicas take
 * disjoint batches), offered to every subscriber, and marked dispatched, all in one transaction:
 * a crash before the commit offers the batch again, one after it has handed everything on. No
 * cursor is kept, so an event whose transaction commits after a later one's is not skipped. Events
 * of this replica's own requests wake the dispatcher as they commit; others are found within
 * {@code wharf.events.dispatch-interval}. Dispatched events older than
 * {@code wharf.events.retention} are deleted.
 */
@Component
public class EventDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
    private static final int BATCH = 500;
    private static final long PURGE_EVERY_NANOS = TimeUnit.HOURS.toNanos(1);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final ObjectProvider<EventSubscriber> subscribers;
    private final ObjectProvider<Events> events;
    private final EventsProperties properties;
    private final Semaphore wakeUps = new Semaphore(0);
    private volatile Thread thread;
    private volatile boolean running;
    private long lastPurge;
    private long lastFailureLog;

    EventDispatcher(JdbcClient jdbc, TransactionTemplate transactions, ObjectProvider<EventSubscriber> subscribers,
                    ObjectProvider<Events> events, EventsProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.subscribers = subscribers;
        this.events = events;
        this.properties = properties;
    }

    /** Asks for a dispatch now (an event was committed). Cheap; never blocks. */
    void wake() {
        if (wakeUps.availablePermits() == 0) {
            wakeUps.release();
        }
    }

    /**
     * Dispatches every event committed so far, in batches, on the calling thread.
     *
     * @return how many events were dispatched
     */
    public int dispatchAll() {
        int total = 0;
        int n;
        do {
            n = dispatchBatch();
            total += n;
        } while (n == BATCH);
        return total;
    }

    private int dispatchBatch() {
        Integer n = transactions.execute(status -> {
            List<Long> ids = jdbc.sql("""
                            SELECT id FROM events WHERE NOT dispatched ORDER BY id LIMIT :batch
                            FOR UPDATE SKIP LOCKED""")
                    .param("batch", BATCH)
                    .query(Long.class)
                    .list();
            if (ids.isEmpty()) {
                return 0;
            }
            List<Event> batch = events.getObject().byIds(ids);
            for (EventSubscriber subscriber : subscribers.orderedStream().toList()) {
                subscriber.dispatch(batch);
            }
            jdbc.sql("UPDATE events SET dispatched = true WHERE id = ANY (CAST(:ids AS bigint[]))")
                    .param("ids", ids.toArray(Long[]::new))
                    .update();
            return ids.size();
        });
        return n == null ? 0 : n;
    }

    /**
     * Deletes dispatched events older than the retention.
     *
     * @return how many were deleted
     */
    public int purgeExpired() {
        int total = 0;
        int n;
        do {
            n = jdbc.sql("""
                            DELETE FROM events WHERE id IN (
                                SELECT id FROM events
                                WHERE occurred_at < now() - make_interval(secs => :seconds) AND dispatched
                                ORDER BY id LIMIT 10000)""")
                    .param("seconds", (double) properties.retention().toSeconds())
                    .update();
            total += n;
        } while (n == 10_000);
        return total;
    }

    private void loop() {
        lastPurge = System.nanoTime() - PURGE_EVERY_NANOS + TimeUnit.MINUTES.toNanos(5);
        while (running) {
            try {
                wakeUps.tryAcquire(properties.dispatchInterval().toMillis(), TimeUnit.MILLISECONDS);
                wakeUps.drainPermits();
                if (!running) {
                    return;
                }
                dispatchAll();
                if (System.nanoTime() - lastPurge > PURGE_EVERY_NANOS) {
                    lastPurge = System.nanoTime();
                    int purged = purgeExpired();
                    if (purged > 0) {
                        log.info("deleted {} events older than wharf.events.retention ({})", purged, properties.retention());
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the database is away, or a subscriber failed: the batch stays undispatched, try again
                if (System.nanoTime() - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
                    lastFailureLog = System.nanoTime();
                    log.warn("dispatching events failed, will retry: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void start() {
        running = true;
        Thread t = new Thread(this::loop, "wharf-events");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
