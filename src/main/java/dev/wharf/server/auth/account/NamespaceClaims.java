package dev.wharf.server.auth.account;

import org.springframework.stereotype.Component;

/**
 * Claims and releases namespaces for pull-through caches, which share the one name space of users
 * and organizations ({@code server.proxy} knows the caches; this package owns the names). Both run
 * in the caller's transaction.
 */
@Component
public class NamespaceClaims {

    private final Namespaces namespaces;
    private final NamespaceContents contents;

    NamespaceClaims(Namespaces namespaces, NamespaceContents contents) {
        this.namespaces = namespaces;
        this.contents = contents;
    }

    /**
     * Claims {@code name} for a cache. True when it is the cache's now (claimed here, or already a
     * cache's); false when a user or an organization holds it.
     */
    public boolean claimForCache(String name) {
        return namespaces.claim(name, Namespaces.Kind.CACHE)
                || namespaces.kind(name).map(k -> k == Namespaces.Kind.CACHE).orElse(false);
    }

    /**
     * Releases a cache's namespace with everything cached in it (repositories, manifests, tags,
     * links; the blobs are left to garbage collection). Does nothing when {@code name} is not a cache's.
     *
     * @return how many repositories went with it
     */
    public int releaseCache(String name) {
        namespaces.lock(name);
        if (namespaces.kind(name).filter(k -> k == Namespaces.Kind.CACHE).isEmpty()) {
            return 0;
        }
        int repositories = contents.delete(name);
        namespaces.release(name);
        return repositories;
    }
}
