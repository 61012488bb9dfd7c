package dev.wharf.server.webhook;

import dev.wharf.server.events.Event;
import dev.wharf.server.events.Events;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Sends due deliveries, on any replica, at least once each.
 *
 * <p>A batch of due deliveries is claimed in one statement ({@code FOR UPDATE SKIP LOCKED}) that
 * counts the attempt and pushes {@code next_attempt_at} a lease ahead, so no other replica takes
 * them while they are in flight and a replica that dies mid-send leaves them to be retried when
 * the lease ends. Each is then sent outside any transaction and its outcome recorded only if the
 * attempt is still the one claimed. A 2xx answer delivers; anything else (another status, a
 * refused or timed-out connection, a denied address) is retried after an exponentially growing
 * wait until {@code wharf.webhooks.max-attempts}, then the delivery is {@code failed}. Redirects
 * are not followed.
 */
@Component
class WebhookDeliverer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);
    private static final int BATCH = 16;
    private static final int MAX_ERROR = 300;

    private record Claimed(long id, long webhookId, long eventId, int attempts) {
    }

    private final JdbcClient jdbc;
    private final Webhooks webhooks;
    private final Events events;
    private final WebhookMessages messages;
    private final NetworkGuard guard;
    private final WebhookProperties properties;
    private final Clock clock;
    private final HttpClient http;
    private final Counter delivered;
    private final Counter failedAttempts;
    private final Semaphore wakeUps = new Semaphore(0);
    private volatile boolean running;
    private volatile Thread thread;
    private long lastFailureLog;
    private final long pollMillis;

    WebhookDeliverer(JdbcClient jdbc, Webhooks webhooks, Events events, WebhookMessages messages, NetworkGuard guard,
                     WebhookProperties properties, MeterRegistry meters,
                     @Value("${wharf.events.dispatch-interval:1s}") java.time.Duration poll) {
        this.jdbc = jdbc;
        this.webhooks = webhooks;
        this.events = events;
        this.messages = messages;
        this.guard = guard;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        this.pollMillis = poll.toMillis();
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.delivered = Counter.builder("wharf.webhook.deliveries").tag("outcome", "delivered")
                .description("webhook deliveries answered 2xx").register(meters);
        this.failedAttempts = Counter.builder("wharf.webhook.deliveries").tag("outcome", "failed-attempt")
                .description("webhook delivery attempts that failed (and will be retried or given up)").register(meters);
    }

    void wake() {
        if (wakeUps.availablePermits() == 0) {
            wakeUps.release();
        }
    }

    /**
     * Sends every delivery due now, on the calling thread.
     *
     * @return how many attempts were made
     */
    int deliverDue() {
        int total = 0;
        List<Claimed> claimed;
        do {
            claimed = claim();
            send(claimed);
            total += claimed.size();
        } while (claimed.size() == BATCH && running);
        return total;
    }

    private List<Claimed> claim() {
        // the lease outlasts a whole attempt (connect + answer) with room to record it
        long leaseSeconds = properties.connectTimeout().plus(properties.timeout().multipliedBy(2)).toSeconds() + 5;
        return jdbc.sql("""
                        UPDATE webhook_deliveries d
                        SET attempts = d.attempts + 1, last_attempt_at = now(),
                            next_attempt_at = now() + make_interval(secs => :lease)
                        WHERE d.id IN (SELECT id FROM webhook_deliveries
                                       WHERE state = 'pending' AND next_attempt_at <= now()
                                       ORDER BY next_attempt_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                        RETURNING d.id, d.webhook_id, d.event_id, d.attempts""")
                .param("lease", (double) leaseSeconds)
                .param("batch", BATCH)
                .query((rs, n) -> new Claimed(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4)))
                .list();
    }

    private void send(List<Claimed> claimed) {
        if (claimed.isEmpty()) {
            return;
        }
        Map<Long, Event> byId = events.byIds(claimed.stream().map(Claimed::eventId).distinct().toList()).stream()
                .collect(Collectors.toMap(Event::id, Function.identity()));
        Map<Long, Optional<Webhooks.Target>> targets = new LinkedHashMap<>();
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (Claimed c : claimed) {
            Optional<Webhooks.Target> target = targets.computeIfAbsent(c.webhookId(), webhooks::target);
            Event event = byId.get(c.eventId());
            if (target.isEmpty() || event == null) {
                continue; // deleted meanwhile: the delivery went with it
            }
            inFlight.add(attempt(c, target.get(), event));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
    }

    private CompletableFuture<Void> attempt(Claimed c, Webhooks.Target target, Event event) {
        URI uri = URI.create(target.url());
        try {
            Optional<String> refusal = guard.refusal(uri.getHost());
            if (refusal.isPresent()) {
                record(c, null, refusal.get());
                return CompletableFuture.completedFuture(null);
            }
        } catch (java.net.UnknownHostException e) {
            record(c, null, "host " + uri.getHost() + " does not resolve");
            return CompletableFuture.completedFuture(null);
        }
        byte[] body = messages.body(event);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(properties.timeout())
                .header("Content-Type", WebhookMessages.CONTENT_TYPE)
                .header("User-Agent", "Wharf-Webhooks/1");
        messages.signatureHeaders(event, body, target.secret(), clock.instant()).forEach(request::header);
        return http.sendAsync(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    try {
                        if (error != null) {
                            Throwable cause = error.getCause() != null ? error.getCause() : error;
                            record(c, null, cause.getClass().getSimpleName()
                                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
                        } else {
                            record(c, response.statusCode(), response.statusCode() / 100 == 2 ? null
                                    : "answered " + response.statusCode());
                        }
                    } catch (RuntimeException e) {
                        logFailure(e);
                    }
                    return null;
                });
    }

    /** Records an attempt's outcome, if this attempt is still the one that holds the delivery. */
    private void record(Claimed c, Integer status, String error) {
        boolean ok = error == null;
        boolean last = !ok && c.attempts() >= properties.maxAttempts();
        jdbc.sql("""
                        UPDATE webhook_deliveries
                        SET state = :state, last_status = :status, last_error = :error,
                            delivered_at = CASE WHEN :ok THEN now() END,
                            next_attempt_at = now() + make_interval(secs => :wait)
                        WHERE id = :id AND attempts = :attempts AND state = 'pending'""")
                .param("state", ok ? "delivered" : last ? "failed" : "pending")
                .param("status", status)
                .param("error", error == null ? null : error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error)
                .param("ok", ok)
                .param("wait", ok || last ? 0.0 : (double) properties.backoff(c.attempts()).toMillis() / 1000)
                .param("id", c.id())
                .param("attempts", c.attempts())
                .update();
        (ok ? delivered : failedAttempts).increment();
    }

    private void loop() {
        while (running) {
            try {
                wakeUps.tryAcquire(pollMillis, TimeUnit.MILLISECONDS);
                wakeUps.drainPermits();
                if (running) {
                    deliverDue();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logFailure(e);
            }
        }
    }

    private void logFailure(RuntimeException e) {
        if (System.nanoTime() - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
            lastFailureLog = System.nanoTime();
            log.warn("delivering webhooks failed, will retry: {}", e.toString());
        }
    }

    @Override
    public void start() {
        running = true;
        Thread t = new Thread(this::loop, "wharf-webhooks");
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
                t.join(TimeUnit.SECONDS.toMillis(15));
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
