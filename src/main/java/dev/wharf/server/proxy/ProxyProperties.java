package dev.wharf.server.proxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.util.unit.DataSize;

/**
 * {@code wharf.proxy.*}: pull-through caches (README.md, "Put Wharf in front of Docker Hub").
 *
 * @param caches           caches by name; each name becomes a namespace that only the cache owns
 * @param mirror           the cache that serves names no local namespace owns, so that a Docker
 *                         daemon's {@code registry-mirrors} entry works unchanged; empty: none
 * @param upstreamTimeout  how long a pull waits for an upstream's answer before it serves what is
 *                         cached (or fails when nothing is)
 * @param spoolDirectory   where blobs being fetched from an upstream are spooled while clients and
 *                         the store read them; empty: the JVM's temporary directory
 * @param evictionInterval how often each cache's size is measured and, beyond its
 *                         {@code max-bytes}, the least recently pulled images are evicted
 */
@ConfigurationProperties("wharf.proxy")
public record ProxyProperties(Map<String, CacheSettings> caches, String mirror,
                              @DefaultValue("15s") Duration upstreamTimeout, Path spoolDirectory,
                              @DefaultValue("1m") Duration evictionInterval) {

    public ProxyProperties {
        caches = caches == null ? Map.of() : Map.copyOf(caches);
        mirror = mirror == null || mirror.isBlank() ? null : mirror.strip();
        if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
            throw new IllegalArgumentException("wharf.proxy.upstream-timeout must be positive");
        }
        if (evictionInterval.isNegative() || evictionInterval.isZero()) {
            throw new IllegalArgumentException("wharf.proxy.eviction-interval must be positive");
        }
    }

    /**
     * One cache from the settings ({@code wharf.proxy.caches.<name>.*}).
     *
     * @param url           the upstream registry, e.g. {@code https://registry-1.docker.io}
     * @param username      upstream user (basic or the token flow); empty: anonymous
     * @param password      its password or access token
     * @param tagTtl        how long a cached tag is served before it is checked again with the
     *                      upstream (a HEAD request); manifests by digest are never checked again
     * @param maxBytes      the most the cache may hold; beyond it the least recently pulled images
     *                      are evicted. {@code 0}: no limit
     * @param libraryPrefix a one-component path gets {@code library/} upstream, as Docker Hub's
     *                      official images; unset: on for Docker Hub's addresses only
     * @param isPublic      everyone, anonymous included, may pull through the cache; otherwise
     *                      signed-in users and admins
     */
    public record CacheSettings(String url, String username, String password, @DefaultValue("10m") Duration tagTtl,
                                @DefaultValue("0") DataSize maxBytes, Boolean libraryPrefix,
                                @Name("public") @DefaultValue("false") boolean isPublic) {
    }
}
