package dev.wharf.server.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The caches' metrics: {@code wharf_proxy_requests_total{cache,kind,result}} (result {@code hit},
 * {@code miss}, {@code revalidated}, {@code stale} when the upstream failed and cached content was
 * served, {@code error} when it failed and nothing was cached), {@code wharf_proxy_upstream_bytes_total},
 * {@code wharf_proxy_cached_bytes{cache}} (measured by the eviction round) and
 * {@code wharf_proxy_evicted_manifests_total{cache}}.
 */
@Component
class ProxyMetrics {

    static final String HIT = "hit";
    static final String MISS = "miss";
    static final String REVALIDATED = "revalidated";
    static final String STALE = "stale";
    static final String ERROR = "error";

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> cached = new ConcurrentHashMap<>();

    ProxyMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void request(String cache, String kind, String result) {
        counters.computeIfAbsent("r " + cache + " " + kind + " " + result, k -> Counter.builder("wharf.proxy.requests")
                .tag("cache", cache).tag("kind", kind).tag("result", result)
                .description("pulls through a cache, by what the cache did").register(meters)).increment();
    }

    void upstreamBytes(String cache, long bytes) {
        counters.computeIfAbsent("b " + cache, k -> Counter.builder("wharf.proxy.upstream.bytes").baseUnit("bytes")
                .tag("cache", cache).description("blob bytes fetched from upstreams").register(meters)).increment(bytes);
    }

    void evicted(String cache, int manifests) {
        counters.computeIfAbsent("e " + cache, k -> Counter.builder("wharf.proxy.evicted.manifests")
                .tag("cache", cache).description("manifests evicted beyond max-bytes").register(meters)).increment(manifests);
    }

    void cachedBytes(String cache, long bytes) {
        cached.computeIfAbsent(cache, c -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("wharf.proxy.cached.bytes", value, AtomicLong::get).baseUnit("bytes").tag("cache", c)
                    .description("what a cache holds, as last measured").register(meters);
            return value;
        }).set(bytes);
    }
}
