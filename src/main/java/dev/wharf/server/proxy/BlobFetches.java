package dev.wharf.server.proxy;

import dev.wharf.client.SharedDownload;
import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Blob fetches from upstreams, one at a time per cache and digest on this replica: every pull of a
 * blob being fetched joins the fetch under way ({@link SharedDownload}) instead of starting
 * another, and is streamed to as the bytes arrive. The store is one more reader of the same
 * download: it publishes the blob only after the download verified its digest (a mismatch never
 * becomes visible), then the blob is linked into every repository that asked for it.
 *
 * <p>Each replica fetches on its own: with several replicas, one blob is fetched at most once per
 * replica at a time.
 */
@Component
class BlobFetches implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(BlobFetches.class);

    /** A fetch under way; joiners add their repository until it is sealed for linking. */
    final class Fetch {
        final Cache cache;
        final Digest digest;
        final SharedDownload download;
        final CompletableFuture<Void> published = new CompletableFuture<>();
        private final Set<RepositoryName> repositories = new LinkedHashSet<>();
        private boolean sealed;

        Fetch(Cache cache, Digest digest, SharedDownload download) {
            this.cache = cache;
            this.digest = digest;
            this.download = download;
        }

        /** Asks for the blob to be linked into {@code repository} once published; false when that is decided already. */
        synchronized boolean linkInto(RepositoryName repository) {
            if (sealed) {
                return false;
            }
            repositories.add(repository);
            return true;
        }

        private synchronized List<RepositoryName> seal() {
            sealed = true;
            return new ArrayList<>(repositories);
        }
    }

    private record Key(String cache, Digest digest) {
    }

    private final ConcurrentHashMap<Key, Fetch> inFlight = new ConcurrentHashMap<>();
    private final Upstreams upstreams;
    private final BlobStore store;
    private final CacheContents contents;
    private final ProxyMetrics metrics;
    private final Path spool;
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "wharf-proxy-fetch-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    BlobFetches(Upstreams upstreams, BlobStore store, CacheContents contents, ProxyMetrics metrics,
                ProxyProperties properties) {
        this.upstreams = upstreams;
        this.store = store;
        this.contents = contents;
        this.metrics = metrics;
        this.spool = properties.spoolDirectory() != null ? properties.spoolDirectory()
                : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * A fetch joined: {@code linking} when the blob will be linked into the caller's repository
     * once published; otherwise the fetch is ending, and the caller waits for {@code published}
     * and looks in the store again.
     */
    record Joined(Fetch fetch, boolean linking) {
    }

    /**
     * The fetch of {@code digest} for {@code repository} (the upstream's {@code upstreamName}):
     * the one under way, or a new one; null when a repository of the cache holds the blob by now.
     */
    Joined join(Cache cache, RepositoryName repository, RepositoryName upstreamName, Digest digest) {
        Key key = new Key(cache.name(), digest);
        boolean[] started = {false};
        // computeIfAbsent: of concurrent first requests exactly one starts the download. A fetch
        // leaves the map only after its links committed, so a caller that looked in the store just
        // before that finds the blob now instead of fetching it again
        Fetch fetch = inFlight.computeIfAbsent(key, k -> {
            if (contents.inCache(cache.name(), digest).isPresent()) {
                return null;
            }
            started[0] = true;
            return start(cache, upstreamName, digest);
        });
        if (fetch == null) {
            return null;
        }
        boolean linking = fetch.linkInto(repository);
        if (started[0]) {
            executor.execute(() -> publish(key, fetch));
        }
        return new Joined(fetch, linking);
    }

    /** Number of fetches under way on this replica. */
    int inFlight() {
        return inFlight.size();
    }

    private Fetch start(Cache cache, RepositoryName upstreamName, Digest digest) {
        Path file;
        try {
            Files.createDirectories(spool);
            file = Files.createTempFile(spool, "wharf-proxy-", ".blob");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spool file in " + spool + ": " + e.getMessage(), e);
        }
        SharedDownload download = SharedDownload.start(upstreams.registry(cache), upstreamName, digest, -1, file,
                Upstreams.DOWNLOADS, executor);
        return new Fetch(cache, digest, download);
    }

    /** Follows the download into the store, publishes, links, and ends the fetch. */
    private void publish(Key key, Fetch fetch) {
        try {
            long size;
            BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), fetch.digest.algorithm());
            try (InputStream in = fetch.download.open()) {
                size = writer.append(in);
                writer.commit(fetch.digest);
                metrics.upstreamBytes(fetch.cache.name(), size);
                // linked before the scratch data goes: the bytes are published again if the
                // collector removed them since the commit
                for (RepositoryName repository : fetch.seal()) {
                    contents.linkCommitted(repository, fetch.digest, size, writer);
                }
            } finally {
                writer.abort();
            }
            fetch.published.complete(null);
        } catch (IOException | RuntimeException | dev.wharf.server.storage.DigestMismatchException e) {
            fetch.seal();
            log.info("{}: fetching {} failed: {}", fetch.cache, fetch.digest, e.getMessage());
            fetch.published.completeExceptionally(e);
        } finally {
            inFlight.remove(key, fetch);
            fetch.download.close();
        }
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
