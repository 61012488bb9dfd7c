package dev.wharf.server.events;

import java.util.List;

/**
 * A consumer of events (webhooks; replication later). The {@link EventDispatcher} hands every
 * committed event to every subscriber exactly once, inside the transaction that marks the events
 * dispatched: a subscriber only writes its own rows there (a delivery to make, a copy to run) and
 * does the slow work later, from those rows. If it throws, nothing is marked and the batch is
 * offered again.
 */
public interface EventSubscriber {

    void dispatch(List<Event> events);
}
