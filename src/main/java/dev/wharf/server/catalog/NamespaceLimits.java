package dev.wharf.server.catalog;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one namespace (a user or an organization) may hold ({@code wharf.namespace.*}); beyond it a
 * push is refused with 403 {@code DENIED}. {@code 0} turns a limit off. With
 * {@code wharf.auth.enabled=false} there are no namespaces and no limits.
 *
 * @param maxRepositories how many repositories one namespace may hold
 * @param maxOpenUploads  how many upload sessions may be open at once in one namespace's
 *                        repositories (finished, cancelled and purged ones do not count)
 */
@ConfigurationProperties("wharf.namespace")
public record NamespaceLimits(@DefaultValue("10000") int maxRepositories,
                              @DefaultValue("1000") int maxOpenUploads) {

    public NamespaceLimits {
        if (maxRepositories < 0 || maxOpenUploads < 0) {
            throw new IllegalArgumentException(
                    "wharf.namespace.max-repositories and wharf.namespace.max-open-uploads must be 0 (no limit) or more");
        }
    }
}
