package dev.wharf.server.replication;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.events.Event;
import dev.wharf.server.events.EventSubscriber;
import dev.wharf.server.events.EventType;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Turns dispatched events into replication tasks, in the transaction that marks them dispatched
 * (so a push is never announced without its task, nor twice): for every enabled push rule
 * triggered {@code on-push} whose pattern matches the repository,
 * <ul>
 *   <li>{@code manifest.pushed} with tags: a copy of each tag (the image with its platforms and
 *       referrers); without tags but with a subject: a copy of that referrer (a signature, an SBOM)
 *       by digest. An untagged manifest without a subject (an index's platform) goes with the index
 *       or tag that lists it;</li>
 *   <li>{@code tag.deleted} and {@code manifest.deleted}, for rules whose deletes propagate: the
 *       same delete on the target.</li>
 * </ul>
 */
@Component
class ReplicationSubscriber implements EventSubscriber {

    private static final Set<EventType> TYPES = Set.of(EventType.MANIFEST_PUSHED, EventType.TAG_DELETED,
            EventType.MANIFEST_DELETED);

    private final Replications replications;
    private final ReplicationTasks tasks;

    ReplicationSubscriber(Replications replications, ReplicationTasks tasks) {
        this.replications = replications;
        this.tasks = tasks;
    }

    @Override
    public void dispatch(List<Event> events) {
        List<Event> relevant = events.stream()
                .filter(e -> TYPES.contains(e.type()) && Event.SUCCESS.equals(e.outcome()) && e.repository() != null
                        && RepositoryName.isValid(e.repository()))
                .toList();
        if (relevant.isEmpty()) {
            return;
        }
        List<Rule> rules = replications.rules(Rule.PUSH, Rule.ON_PUSH);
        for (Event e : relevant) {
            RepositoryName repository = RepositoryName.of(e.repository());
            for (Rule rule : rules) {
                if (rule.matches(repository)) {
                    enqueue(rule, e);
                }
            }
        }
    }

    private void enqueue(Rule rule, Event e) {
        switch (e.type()) {
            case MANIFEST_PUSHED -> {
                Object tags = e.data().get("tags");
                if (tags instanceof List<?> list && !list.isEmpty()) {
                    for (Object tag : list) {
                        tasks.enqueue(rule.id(), ReplicationTasks.COPY, e.repository(), String.valueOf(tag), e.id());
                    }
                } else if (e.data().get("subject") != null && e.data().get("digest") != null) {
                    tasks.enqueue(rule.id(), ReplicationTasks.COPY, e.repository(), String.valueOf(e.data().get("digest")),
                            e.id());
                }
            }
            case TAG_DELETED -> {
                if (rule.deletes() && e.data().get("tag") != null) {
                    tasks.enqueue(rule.id(), ReplicationTasks.DELETE_TAG, e.repository(), String.valueOf(e.data().get("tag")),
                            e.id());
                }
            }
            case MANIFEST_DELETED -> {
                if (rule.deletes() && e.data().get("digest") != null) {
                    tasks.enqueue(rule.id(), ReplicationTasks.DELETE_MANIFEST, e.repository(),
                            String.valueOf(e.data().get("digest")), e.id());
                }
            }
            default -> {
            }
        }
    }
}
