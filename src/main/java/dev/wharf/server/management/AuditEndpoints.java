package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.events.Event;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code GET /api/v1/audit}: the audit log, newest first (docs/API.md). Admins see everything;
 * a namespace's owners see that namespace's events when they ask for it with {@code namespace=}.
 */
@RestController
@RequestMapping("/api/v1/audit")
class AuditEndpoints {

    /** An event as the audit API shows it. */
    record AuditEvent(long id, Instant time, String type, String outcome, String actor, String actorKind,
                      String clientAddress, String requestId, String namespace, String repository, String target,
                      Map<String, Object> data) {

        static AuditEvent of(Event e) {
            return new AuditEvent(e.id(), e.occurredAt(), e.type().wire(), e.outcome(), e.actor().name(),
                    e.actor().kind(), e.actor().address(), e.actor().requestId(), e.namespace(), e.repository(),
                    e.target(), e.data());
        }
    }

    private final Events events;
    private final AccessPolicy access;

    AuditEndpoints(Events events, AccessPolicy access) {
        this.events = events;
        this.access = access;
    }

    @GetMapping
    ResponseEntity<Map<String, Object>> find(@RequestParam(required = false) String namespace,
                                             @RequestParam(required = false) String repository,
                                             @RequestParam(required = false) String actor,
                                             @RequestParam(required = false) List<String> type,
                                             @RequestParam(required = false) String since,
                                             @RequestParam(required = false) String until,
                                             @RequestParam(required = false) String n,
                                             @RequestParam(required = false) String before) {
        if (!access.isAdmin(access.current())) {
            if (namespace == null) {
                throw Bodies.forbidden("only administrators read the whole audit log; namespace owners add namespace=<name>");
            }
            access.requireOwnerToRead(access.current(), namespace);
        }
        if (repository != null && namespace != null && !repository.startsWith(namespace + "/")) {
            throw Bodies.badRequest("repository " + repository + " is not in namespace " + namespace);
        }
        String ns = namespace != null ? namespace
                : repository != null && repository.indexOf('/') > 0 ? repository.substring(0, repository.indexOf('/')) : null;
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        if (type != null) {
            for (String t : type) {
                for (String one : t.split(",")) {
                    types.add(EventType.fromWire(one.strip()).orElseThrow(() -> Bodies.badRequest("unknown event type "
                            + Bodies.clip(one) + "; docs/API.md lists them")));
                }
            }
        }
        Bodies.Page page = Bodies.page(n, before);
        List<Event> found = events.find(new Events.Query(access.isAdmin(access.current()) ? namespace : ns, repository,
                actor, types, time("since", since), time("until", until), page.before(), page.limit() + 1));
        HttpHeaders headers = new HttpHeaders();
        if (found.size() > page.limit()) {
            found = found.subList(0, page.limit());
            UriComponentsBuilder next = UriComponentsBuilder.fromPath("/api/v1/audit");
            if (namespace != null) {
                next.queryParam("namespace", namespace);
            }
            if (repository != null) {
                next.queryParam("repository", repository);
            }
            if (actor != null) {
                next.queryParam("actor", actor);
            }
            if (!types.isEmpty()) {
                next.queryParam("type", String.join(",", types.stream().map(EventType::wire).toList()));
            }
            if (since != null) {
                next.queryParam("since", since);
            }
            if (until != null) {
                next.queryParam("until", until);
            }
            next.queryParam("n", page.limit()).queryParam("before", found.get(found.size() - 1).id());
            headers.add(HttpHeaders.LINK, "<" + next.encode().build().toUriString() + ">; rel=\"next\"");
        }
        return ResponseEntity.ok().headers(headers).body(Map.of("events", found.stream().map(AuditEvent::of).toList()));
    }

    private static Instant time(String field, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw Bodies.badRequest(field + " must be an RFC 3339 time such as 2030-01-31T00:00:00Z");
        }
    }
}
