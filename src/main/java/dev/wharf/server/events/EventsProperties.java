package dev.wharf.server.events;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code wharf.events.*}: the audit log and outbox.
 *
 * @param retention        how long events are kept (the audit log's reach); an event is deleted
 *                         only after it was dispatched
 * @param dispatchInterval how often each replica looks for events committed elsewhere (events of
 *                         its own requests are dispatched as soon as they commit)
 */
@ConfigurationProperties("wharf.events")
public record EventsProperties(@DefaultValue("90d") Duration retention,
                               @DefaultValue("1s") Duration dispatchInterval) {

    public EventsProperties {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("wharf.events.retention must be positive");
        }
        if (dispatchInterval.isNegative() || dispatchInterval.isZero()) {
            throw new IllegalArgumentException("wharf.events.dispatch-interval must be positive");
        }
    }
}
