package dev.wharf.server.proxy;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RetryPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The upstream registries of the caches, spoken to through the companion client (its
 * authentication: anonymous, Basic, or the bearer-token flow with tokens cached per scope). One
 * client per cache, made anew when the cache's address or credentials change.
 *
 * <p>Manifest requests are tried twice with short pauses and wait {@code wharf.proxy.upstream-timeout}
 * for an answer, so that a cache whose upstream is down serves what it holds quickly; after a
 * failure, cached tags are served stale without asking again for up to {@link #DOWN_FOR}. Blob
 * downloads resume after a cut connection a few more times.
 */
@Component
class Upstreams implements DisposableBean {

    /** Manifest and HEAD requests: quick to give up, so stale content is served quickly. */
    static final RetryPolicy REQUESTS = new RetryPolicy(2, Duration.ofMillis(100), Duration.ofSeconds(1));
    /** Blob downloads: resumed with a Range after a cut connection. */
    static final RetryPolicy DOWNLOADS = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));
    /** How long a failed upstream is not asked again before serving stale tags. */
    static final Duration DOWN_FOR = Duration.ofSeconds(30);

    private record Client(Cache cache, RegistryClient client) {
    }

    private final ProxyProperties properties;
    private final Clock clock;
    private final ConcurrentHashMap<String, Client> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Instant> downUntil = new ConcurrentHashMap<>();

    Upstreams(ProxyProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Records that {@code cache}'s upstream could not be asked: for a while ({@link #DOWN_FOR}, at
     * most twice the upstream timeout) cached tags are served stale without waiting for it again.
     */
    void failed(Cache cache) {
        Duration wait = properties.upstreamTimeout().multipliedBy(2);
        downUntil.put(cache.name(), clock.instant().plus(wait.compareTo(DOWN_FOR) < 0 ? wait : DOWN_FOR));
    }

    /** Records that the upstream answered. */
    void answered(Cache cache) {
        downUntil.remove(cache.name());
    }

    /** Whether the upstream failed lately (see {@link #failed}). */
    boolean down(Cache cache) {
        Instant until = downUntil.get(cache.name());
        return until != null && clock.instant().isBefore(until);
    }

    /** The upstream registry of {@code cache}. */
    Registry registry(Cache cache) {
        Client c = clients.compute(cache.name(), (name, old) ->
                old != null && old.cache().sameUpstream(cache) ? old : new Client(cache, client(cache)));
        return c.client().registry(cache.registry());
    }

    private RegistryClient client(Cache cache) {
        ClientOptions options = ClientOptions.defaults()
                .withParallelism(1)
                .withRetry(REQUESTS)
                .withRequestTimeout(properties.upstreamTimeout())
                .withPlainHttp(cache.plainHttp() ? Set.of(cache.registry()) : Set.of())
                .withUserAgent("wharf-proxy");
        Credentials credentials = cache.username() == null ? Credentials.ANONYMOUS
                : new Credentials.Basic(cache.username(), cache.password() == null ? "" : cache.password());
        return new RegistryClient(options, registry -> credentials, TransferListener.NONE);
    }

    @Override
    public void destroy() {
        clients.values().forEach(c -> c.client().close());
        clients.clear();
    }
}
