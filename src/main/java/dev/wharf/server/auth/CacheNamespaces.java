package dev.wharf.server.auth;

import dev.wharf.oci.RepositoryName;
import java.util.List;
import java.util.Optional;

/**
 * What the access policy needs to know about pull-through caches, implemented by
 * {@code server.proxy} (which knows the caches; this package knows who may do what). A cache owns
 * the namespace of its name, as a user or an organization owns theirs.
 *
 * <p>Who may use a cache: admins everything the policy allows anywhere (pushes are refused by the
 * cache itself, which is read-only); any signed-in user, and their personal access tokens within
 * their scopes, may pull; everyone, anonymous included, may pull when the cache is public.
 * Robots belong to their own namespace and pull through a cache only when it is public.
 */
public interface CacheNamespaces {

    /** A cache as access decisions see it. */
    record CacheNamespace(String name, boolean isPublic) {
    }

    /** The cache whose namespace {@code namespace} is; empty when it is none. */
    Optional<CacheNamespace> cache(String namespace);

    /** Every cache. */
    List<CacheNamespace> all();

    /**
     * The repository a read of {@code name} is served from: in mirror mode
     * ({@code wharf.proxy.mirror}) a name that no local namespace owns is read through the mirror
     * cache, as {@code <cache>/<name>}; otherwise {@code name} itself.
     */
    RepositoryName mirrored(RepositoryName name);

    /** No caches (a server without the proxy feature, tests of the policy alone). */
    CacheNamespaces NONE = new CacheNamespaces() {
        @Override
        public Optional<CacheNamespace> cache(String namespace) {
            return Optional.empty();
        }

        @Override
        public List<CacheNamespace> all() {
            return List.of();
        }

        @Override
        public RepositoryName mirrored(RepositoryName name) {
            return name;
        }
    };
}
