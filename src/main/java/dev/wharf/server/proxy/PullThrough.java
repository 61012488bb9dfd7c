package dev.wharf.server.proxy;

import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.blob.BlobEndpoints;
import dev.wharf.server.manifest.ManifestEndpoints;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.web.DependencyUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Pulls through a cache: {@code GET} and {@code HEAD} of manifests and blobs of a repository in a
 * cache's namespace, served from what the cache holds and fetched from the upstream (through the
 * companion client) when it holds nothing.
 *
 * <ul>
 *   <li>A manifest by digest, once cached, is served without asking the upstream again.</li>
 *   <li>A tag is served as cached for the cache's {@code tag-ttl}; after that it is checked with a
 *       {@code HEAD} (which Docker Hub does not count against the pull limit): the same digest is
 *       served as it is, a new one is fetched, a tag the upstream no longer has is removed.</li>
 *   <li>When the upstream cannot be asked (down, 429, 5xx, refused credentials, a timeout), what is
 *       cached is served, stale tags included, with {@code X-Wharf-Cache: stale} and
 *       {@code Warning: 110} (for a while after such a failure without asking again); with
 *       nothing cached the answer is the spec's error saying what the upstream answered.</li>
 *   <li>Concurrent pulls of one manifest ask the upstream once; concurrent pulls of one missing
 *       blob share one download ({@link BlobFetches}), streamed to each as it arrives.</li>
 * </ul>
 * Every answer carries {@code X-Wharf-Cache}: {@code hit}, {@code miss}, {@code revalidated} or
 * {@code stale}. Caches are read-only: pushes are refused ({@link #readOnly}).
 */
@Component
public class PullThrough {

    /** The response header telling what the cache did. */
    public static final String CACHE_HEADER = "X-Wharf-Cache";

    private record Resolved(long repositoryId, Manifests.Stored manifest, String result) {
    }

    private final ProxyCaches caches;
    private final Upstreams upstreams;
    private final CacheContents contents;
    private final BlobFetches fetches;
    private final CachePulls pulls;
    private final ProxyMetrics metrics;
    private final ManifestEndpoints manifestEndpoints;
    private final BlobEndpoints blobEndpoints;
    private final Clock clock;
    private final Duration upstreamTimeout;
    private final ConcurrentHashMap<String, CompletableFuture<Resolved>> resolving = new ConcurrentHashMap<>();

    PullThrough(ProxyCaches caches, Upstreams upstreams, CacheContents contents, BlobFetches fetches, CachePulls pulls,
                ProxyMetrics metrics, ManifestEndpoints manifestEndpoints, BlobEndpoints blobEndpoints, Clock clock,
                ProxyProperties properties) {
        this.caches = caches;
        this.upstreams = upstreams;
        this.contents = contents;
        this.fetches = fetches;
        this.pulls = pulls;
        this.metrics = metrics;
        this.manifestEndpoints = manifestEndpoints;
        this.blobEndpoints = blobEndpoints;
        this.clock = clock;
        this.upstreamTimeout = properties.upstreamTimeout();
    }

    /** Whether {@code repository} is in a cache's namespace (and served here). */
    public boolean serves(RepositoryName repository) {
        return caches.find(repository.namespace()).isPresent();
    }

    /** The refusal of a push (or any other write but a delete) to a cache's repository. */
    public OciException readOnly(RepositoryName repository) {
        return new OciException(OciErrorCode.DENIED, 403, "pull-through cache " + repository.namespace()
                + " is read-only: it serves what its upstream holds; push to a namespace of your own", null);
    }

    // ---- manifests -------------------------------------------------------------------------------

    /** {@code GET} or {@code HEAD} of a manifest of a cache's repository. */
    public ResponseEntity<byte[]> manifest(RepositoryName repository, Reference reference, HttpServletRequest request) {
        Cache cache = cacheOf(repository);
        Resolved resolved;
        try {
            resolved = reference instanceof Tag tag ? byTag(cache, repository, tag)
                    : byDigest(cache, repository, reference.digestOrNull());
        } catch (RuntimeException e) {
            metrics.request(cache.name(), "manifest", ProxyMetrics.ERROR);
            throw e;
        }
        metrics.request(cache.name(), "manifest", resolved.result());
        pulls.record(resolved.repositoryId(), resolved.manifest().digest());
        ResponseEntity<byte[]> answer = manifestEndpoints.respond(repository, reference, resolved.manifest(), request);
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(answer.getHeaders());
        headers.set(CACHE_HEADER, resolved.result());
        if (ProxyMetrics.STALE.equals(resolved.result())) {
            headers.set(HttpHeaders.WARNING, "110 - \"Response is Stale\"");
        }
        return ResponseEntity.status(answer.getStatusCode()).headers(headers).body(answer.getBody());
    }

    private Resolved byDigest(Cache cache, RepositoryName repository, Digest digest) {
        Optional<CacheContents.Stored> local = contents.byDigest(repository, digest);
        if (local.isPresent()) {
            return new Resolved(local.get().repositoryId(), local.get().manifest(), ProxyMetrics.HIT);
        }
        return once(repository + "@" + digest, () -> {
            Optional<CacheContents.Stored> again = contents.byDigest(repository, digest);
            if (again.isPresent()) {
                return new Resolved(again.get().repositoryId(), again.get().manifest(), ProxyMetrics.HIT);
            }
            RepositoryName remote = cache.upstream(repository);
            ManifestPayload payload;
            try {
                payload = upstreams.registry(cache).send(new Endpoints.GetManifest(remote, new Reference.ByDigest(digest)));
            } catch (RegistryException e) {
                throw unavailable(cache, remote, "manifest " + digest, e, OciErrorCode.MANIFEST_UNKNOWN);
            }
            CacheContents.Stored stored = contents.store(repository, payload, null);
            return new Resolved(stored.repositoryId(), stored.manifest(), ProxyMetrics.MISS);
        });
    }

    private Resolved byTag(Cache cache, RepositoryName repository, Tag tag) {
        Optional<CacheContents.Tagged> local = contents.tagged(repository, tag);
        if (local.isPresent() && fresh(cache, local.get())) {
            return new Resolved(local.get().repositoryId(), local.get().manifest(), ProxyMetrics.HIT);
        }
        return once(repository + ":" + tag, () -> {
            Optional<CacheContents.Tagged> cached = contents.tagged(repository, tag);
            if (cached.isPresent() && fresh(cache, cached.get())) {
                return new Resolved(cached.get().repositoryId(), cached.get().manifest(), ProxyMetrics.HIT);
            }
            RepositoryName remote = cache.upstream(repository);
            Registry upstream = upstreams.registry(cache);
            if (cached.isEmpty()) {
                ManifestPayload payload;
                try {
                    payload = upstream.send(new Endpoints.GetManifest(remote, tag));
                } catch (RegistryException e) {
                    throw unavailable(cache, remote, "manifest " + tag, e, OciErrorCode.MANIFEST_UNKNOWN);
                }
                CacheContents.Stored stored = contents.store(repository, payload, tag);
                return new Resolved(stored.repositoryId(), stored.manifest(), ProxyMetrics.MISS);
            }
            CacheContents.Tagged old = cached.get();
            if (upstreams.down(cache)) {
                return new Resolved(old.repositoryId(), old.manifest(), ProxyMetrics.STALE);
            }
            Descriptor current;
            try {
                current = upstream.send(new Endpoints.ResolveManifest(remote, tag));
                upstreams.answered(cache);
            } catch (RegistryException.NotFound e) {
                upstreams.answered(cache);
                contents.untag(repository, tag);
                throw new OciException(OciErrorCode.MANIFEST_UNKNOWN, "the upstream " + cache.url() + " no longer has "
                        + remote + ":" + tag + "; the cached tag was removed", tag.value());
            } catch (RegistryException e) {
                upstreams.failed(cache);
                return new Resolved(old.repositoryId(), old.manifest(), ProxyMetrics.STALE);
            }
            if (current.digest().equals(old.manifest().digest())) {
                contents.confirmed(old.repositoryId(), tag);
                return new Resolved(old.repositoryId(), old.manifest(), ProxyMetrics.REVALIDATED);
            }
            Optional<CacheContents.Stored> known = contents.byDigest(repository, current.digest());
            if (known.isPresent()) {
                // the new digest is cached already (pulled by digest, or under another tag): point the tag at it
                contents.retag(old.repositoryId(), tag, known.get().manifest().id());
                return new Resolved(old.repositoryId(), known.get().manifest(), ProxyMetrics.MISS);
            }
            ManifestPayload payload;
            try {
                payload = upstream.send(new Endpoints.GetManifest(remote, new Reference.ByDigest(current.digest())));
            } catch (RegistryException e) {
                upstreams.failed(cache);
                return new Resolved(old.repositoryId(), old.manifest(), ProxyMetrics.STALE);
            }
            CacheContents.Stored stored = contents.store(repository, payload, tag);
            return new Resolved(stored.repositoryId(), stored.manifest(), ProxyMetrics.MISS);
        });
    }

    private boolean fresh(Cache cache, CacheContents.Tagged tagged) {
        return tagged.checkedAt() != null && tagged.checkedAt().plus(cache.tagTtl()).isAfter(clock.instant());
    }

    /** Runs {@code work} once for concurrent callers with the same key; the others get its outcome. */
    private Resolved once(String key, Supplier<Resolved> work) {
        CompletableFuture<Resolved> mine = new CompletableFuture<>();
        CompletableFuture<Resolved> running = resolving.putIfAbsent(key, mine);
        if (running != null) {
            try {
                // two requests to the upstream at most (Upstreams.REQUESTS), and the store
                return running.get(upstreamTimeout.toMillis() * 3 + 10_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                throw new DependencyUnavailableException("a concurrent pull of " + key + " has not finished; try again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DependencyUnavailableException("interrupted while waiting for " + key, e);
            }
        }
        try {
            Resolved r = work.get();
            mine.complete(r);
            return r;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            resolving.remove(key, mine);
        }
    }

    // ---- blobs -----------------------------------------------------------------------------------

    /** {@code GET} or {@code HEAD} of a blob of a cache's repository. */
    public void blob(RepositoryName repository, Digest digest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Cache cache = cacheOf(repository);
        RepositoryName remote = cache.upstream(repository);
        for (int attempt = 0; attempt < 3; attempt++) {
            if (contents.linked(repository, digest).isPresent()) {
                serveStored(cache, repository, digest, request, response);
                return;
            }
            OptionalLong inCache = contents.inCache(cache.name(), digest);
            if (inCache.isPresent()) {
                contents.link(repository, digest, inCache.getAsLong());
                serveStored(cache, repository, digest, request, response);
                return;
            }
            if ("HEAD".equals(request.getMethod())) {
                headUpstream(cache, remote, digest, response);
                return;
            }
            BlobFetches.Joined joined = fetches.join(cache, repository, remote, digest);
            if (joined == null) {
                continue; // fetched meanwhile: it is in the store now
            }
            BlobFetches.Fetch fetch = joined.fetch();
            if (!joined.linking() || request.getHeader(HttpHeaders.RANGE) != null) {
                // the fetch is ending (or a range is asked): the store has it once it is published
                awaitPublished(cache, remote, fetch);
                continue;
            }
            InputStream in;
            try {
                in = fetch.download.open();
            } catch (IOException over) {
                awaitPublished(cache, remote, fetch);
                continue;
            }
            try (in) {
                long size;
                try {
                    size = fetch.download.awaitStart(upstreamTimeout);
                } catch (RegistryException e) {
                    metrics.request(cache.name(), "blob", ProxyMetrics.ERROR);
                    throw unavailable(cache, remote, "blob " + digest, e, OciErrorCode.BLOB_UNKNOWN);
                }
                metrics.request(cache.name(), "blob", ProxyMetrics.MISS);
                response.setStatus(HttpServletResponse.SC_OK);
                response.setHeader("Docker-Content-Digest", digest.toString());
                response.setHeader(HttpHeaders.ETAG, "\"" + digest + "\"");
                response.setHeader(CACHE_HEADER, ProxyMetrics.MISS);
                response.setContentType("application/octet-stream");
                if (size >= 0) {
                    response.setContentLengthLong(size);
                }
                OutputStream out = response.getOutputStream();
                byte[] buffer = new byte[256 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                }
            }
            return;
        }
        throw new DependencyUnavailableException("blob " + digest + " of " + repository
                + " is being fetched and could not be served yet; try again", null);
    }

    private void serveStored(Cache cache, RepositoryName repository, Digest digest, HttpServletRequest request,
                             HttpServletResponse response) throws IOException {
        metrics.request(cache.name(), "blob", ProxyMetrics.HIT);
        response.setHeader(CACHE_HEADER, ProxyMetrics.HIT);
        blobEndpoints.get(repository, digest, request, response);
    }

    private void headUpstream(Cache cache, RepositoryName remote, Digest digest, HttpServletResponse response) {
        OptionalLong size;
        try {
            size = upstreams.registry(cache).send(new Endpoints.BlobExists(remote, digest, false));
        } catch (RegistryException e) {
            metrics.request(cache.name(), "blob", ProxyMetrics.ERROR);
            throw unavailable(cache, remote, "blob " + digest, e, OciErrorCode.BLOB_UNKNOWN);
        }
        if (size.isEmpty()) {
            throw new OciException(OciErrorCode.BLOB_UNKNOWN, "blob unknown: " + digest + " is not in " + cache.url()
                    + "/" + remote, digest.toString());
        }
        metrics.request(cache.name(), "blob", ProxyMetrics.MISS);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Docker-Content-Digest", digest.toString());
        response.setHeader(CACHE_HEADER, ProxyMetrics.MISS);
        response.setContentType("application/octet-stream");
        if (size.getAsLong() >= 0) {
            response.setContentLengthLong(size.getAsLong());
        }
    }

    /** Waits for a fetch to be published; its failure is the caller's answer. */
    private void awaitPublished(Cache cache, RepositoryName remote, BlobFetches.Fetch fetch) {
        try {
            fetch.published.get(upstreamTimeout.toMillis() + 30 * 60_000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            metrics.request(cache.name(), "blob", ProxyMetrics.ERROR);
            if (e.getCause() instanceof RegistryException re) {
                throw unavailable(cache, remote, "blob " + fetch.digest, re, OciErrorCode.BLOB_UNKNOWN);
            }
            throw new DependencyUnavailableException("fetching blob " + fetch.digest + " from " + cache.url()
                    + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new DependencyUnavailableException("blob " + fetch.digest + " is still being fetched; try again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DependencyUnavailableException("interrupted", e);
        }
    }

    // ---- errors ----------------------------------------------------------------------------------

    private Cache cacheOf(RepositoryName repository) {
        return caches.find(repository.namespace()).orElseThrow(() ->
                new IllegalStateException(repository + " is in no cache"));
    }

    /**
     * The answer when the upstream failed and nothing is cached: the spec's error, saying what the
     * upstream answered. 404 stays 404 (of the kind asked for, or {@code NAME_UNKNOWN}); 401 and
     * 403 are {@code DENIED}; 429 is {@code TOOMANYREQUESTS}; anything else is 503 {@code UNAVAILABLE}.
     */
    static RuntimeException unavailable(Cache cache, RepositoryName remote, String what, RegistryException e,
                                        OciErrorCode notFound) {
        String where = cache.url() + " (" + remote + ")";
        if (e instanceof RegistryException.NotFound) {
            OciErrorCode code = e.code() == OciErrorCode.NAME_UNKNOWN ? OciErrorCode.NAME_UNKNOWN : notFound;
            return new OciException(code, 404, what + " is not in the upstream " + where, null);
        }
        if (e instanceof RegistryException.AuthenticationRequired || e instanceof RegistryException.Denied) {
            return new OciException(OciErrorCode.DENIED, 403, "the upstream " + where + " refused " + what + " with "
                    + e.status() + ": it does not exist there, or cache " + cache.name()
                    + "'s credentials may not pull it; nothing is cached", null);
        }
        if (e.status() == 429) {
            return new OciException(OciErrorCode.TOOMANYREQUESTS, 429, "the upstream " + where
                    + " answered 429 Too Many Requests for " + what + " and nothing is cached; try again later", null)
                    .withHeader(HttpHeaders.RETRY_AFTER, "60");
        }
        String answer = e.status() > 0 ? "answered " + e.status() : "cannot be reached (" + rootCause(e) + ")";
        if (e instanceof RegistryException.IntegrityFailure || e instanceof RegistryException.ProtocolError) {
            answer = "sent an unusable answer (" + e.getMessage() + ")";
        }
        return new DependencyUnavailableException("the upstream " + where + " " + answer + " for " + what
                + ", and nothing is cached", e);
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
