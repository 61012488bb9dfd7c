package dev.wharf.server.proxy;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RetryPolicy;
import java.time.Duration;
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
 * for an answer, so that a cache whose upstream is down serves what it holds quickly; blob
 * downloads resume after a cut connection a few more times.
 */
@Component
class Upstreams implements DisposableBean {

    /** Manifest and HEAD requests: quick to give up, so stale content is served quickly. */
    static final RetryPolicy REQUESTS = new RetryPolicy(2, Duration.ofMillis(100), Duration.ofSeconds(1));
    /** Blob downloads: resumed with a Range after a cut connection. */
    static final RetryPolicy DOWNLOADS = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));

    private record Client(Cache cache, RegistryClient client) {
    }

    private final ProxyProperties properties;
    private final ConcurrentHashMap<String, Client> clients = new ConcurrentHashMap<>();

    Upstreams(ProxyProperties properties) {
        this.properties = properties;
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
