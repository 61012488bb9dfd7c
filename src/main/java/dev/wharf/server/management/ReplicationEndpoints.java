package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.replication.Replications;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/replications}: replication rules and their status (docs/API.md). Admins only: a
 * rule reads every repository its pattern covers and holds another registry's credentials.
 */
@RestController
@RequestMapping("/api/v1/replications")
class ReplicationEndpoints {

    record TargetBody(String url, String username, String password) {
    }

    record RuleBody(String name, String repositories, TargetBody target, String targetPrefix, String trigger,
                    String schedule, Boolean deletes, String direction, Boolean enabled) {
    }

    private final Replications replications;
    private final AccessPolicy access;

    ReplicationEndpoints(Replications replications, AccessPolicy access) {
        this.replications = replications;
        this.access = access;
    }

    @GetMapping
    Map<String, Object> list() {
        access.requireAdmin(access.current());
        return Map.of("replications", replications.list());
    }

    @PostMapping
    ResponseEntity<Replications.View> create(@RequestBody(required = false) RuleBody body) {
        access.requireAdmin(access.current());
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(replications.create(spec(body)));
    }

    @GetMapping("/{name}")
    Replications.Status get(@PathVariable String name) {
        access.requireAdmin(access.current());
        return replications.status(name);
    }

    @PatchMapping("/{name}")
    Replications.View update(@PathVariable String name, @RequestBody(required = false) RuleBody body) {
        access.requireAdmin(access.current());
        Bodies.required(body);
        if (body.name() != null && !body.name().equals(name)) {
            throw Bodies.badRequest("a rule cannot be renamed; make a new one");
        }
        return replications.update(name, spec(body));
    }

    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String name) {
        access.requireAdmin(access.current());
        replications.delete(name);
        return ResponseEntity.noContent().build();
    }

    /** A full synchronisation, run by the workers; answers the rule's status as the run starts. */
    @PostMapping("/{name}/run")
    ResponseEntity<Replications.Status> run(@PathVariable String name) {
        access.requireAdmin(access.current());
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(replications.run(name));
    }

    private static Replications.Spec spec(RuleBody body) {
        TargetBody t = body.target();
        return new Replications.Spec(body.name(), body.repositories(), t == null ? null : t.url(),
                t == null ? null : t.username(), t == null ? null : t.password(), body.targetPrefix(), body.trigger(),
                body.schedule(), body.deletes(), body.direction(), body.enabled());
    }
}
