package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.gc.GarbageCollector;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/gc}: a garbage collection now (admins only; docs/API.md). */
@RestController
@RequestMapping("/api/v1/gc")
class GcEndpoints {

    private final GarbageCollector collector;
    private final AccessPolicy access;

    GcEndpoints(GarbageCollector collector, AccessPolicy access) {
        this.collector = collector;
        this.access = access;
    }

    /**
     * Does every due review (bounded by {@code wharf.gc.run-limit}) and, with {@code inventory=true},
     * an inventory sweep; {@code dryRun=true} only reports what would go.
     */
    @PostMapping
    GarbageCollector.Report collect(@RequestParam(required = false) String dryRun,
                                    @RequestParam(required = false) String inventory) {
        access.requireAdmin(access.current());
        return collector.collect(flag("dryRun", dryRun), flag("inventory", inventory));
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw Bodies.badRequest(name + " must be true or false");
    }
}
