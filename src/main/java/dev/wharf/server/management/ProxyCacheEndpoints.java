package dev.wharf.server.management;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.proxy.CacheStatus;
import dev.wharf.server.proxy.ProxyCaches;
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
 * {@code /api/v1/proxy-caches}: the pull-through caches (docs/API.md). Admins only: a cache spends
 * an upstream's pull budget and the registry's storage, and holds upstream credentials.
 */
@RestController
@RequestMapping("/api/v1/proxy-caches")
class ProxyCacheEndpoints {

    /**
     * A cache to make or a change to one. {@code tagTtl} is a duration ({@code 10m}) and
     * {@code maxBytes} a size ({@code 20GB}) or a number of bytes.
     */
    record CacheBody(String name, String url, String username, String password, String tagTtl, Object maxBytes,
                     Boolean libraryPrefix, @JsonProperty("public") Boolean isPublic) {
    }

    private final ProxyCaches caches;
    private final CacheStatus status;
    private final AccessPolicy access;

    ProxyCacheEndpoints(ProxyCaches caches, CacheStatus status, AccessPolicy access) {
        this.caches = caches;
        this.status = status;
        this.access = access;
    }

    @GetMapping
    Map<String, Object> list() {
        access.requireAdmin(access.current());
        return Map.of("caches", caches.list());
    }

    @PostMapping
    ResponseEntity<ProxyCaches.View> create(@RequestBody(required = false) CacheBody body) {
        access.requireAdmin(access.current());
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(caches.create(body.name(), body.url(), body.username(),
                body.password(), body.tagTtl(), size(body.maxBytes()), body.libraryPrefix(), body.isPublic()));
    }

    @GetMapping("/{name}")
    CacheStatus.Status get(@PathVariable String name) {
        access.requireAdmin(access.current());
        return status.of(name);
    }

    @PatchMapping("/{name}")
    ProxyCaches.View update(@PathVariable String name, @RequestBody(required = false) CacheBody body) {
        access.requireAdmin(access.current());
        Bodies.required(body);
        if (body.name() != null && !body.name().equals(name)) {
            throw Bodies.badRequest("a cache cannot be renamed (its name is its namespace); make a new one");
        }
        return caches.update(name, new ProxyCaches.Changes(body.url(), body.username(), body.password(), body.tagTtl(),
                size(body.maxBytes()), body.libraryPrefix(), body.isPublic()));
    }

    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String name) {
        access.requireAdmin(access.current());
        caches.delete(name);
        return ResponseEntity.noContent().build();
    }

    /** {@code maxBytes} as JSON gives it: a number of bytes or a size such as {@code "20GB"}. */
    private static String size(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
            return n.toString() + "B";
        }
        if (value instanceof String s) {
            return s;
        }
        throw Bodies.badRequest("maxBytes is a number of bytes or a size such as \"20GB\"");
    }
}
