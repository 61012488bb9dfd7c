package dev.wharf.server.proxy;

import org.springframework.stereotype.Component;

/** A cache with what it holds now, for the API. */
@Component
public class CacheStatus {

    /** A cache and what it holds: bytes as eviction measures them, and how many repositories. */
    public record Status(ProxyCaches.View cache, long usedBytes, long repositories, int fetchesInFlight) {
    }

    private final ProxyCaches caches;
    private final CacheContents contents;
    private final BlobFetches fetches;

    CacheStatus(ProxyCaches caches, CacheContents contents, BlobFetches fetches) {
        this.caches = caches;
        this.contents = contents;
        this.fetches = fetches;
    }

    /** @throws dev.wharf.oci.OciException 404 when there is no such cache */
    public Status of(String name) {
        ProxyCaches.View view = caches.get(name);
        return new Status(view, contents.usedBytes(name), contents.repositoryCount(name), fetches.inFlight());
    }
}
