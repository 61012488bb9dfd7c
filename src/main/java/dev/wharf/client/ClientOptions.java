package dev.wharf.client;

import dev.wharf.client.registry.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How the client talks to registries.
 *
 * @param parallelism     how many blobs move at once
 * @param chunkSize       blobs up to this size are uploaded in one request; larger ones in chunks
 *                        of this size (or the registry's {@code OCI-Chunk-Min-Length}, if larger)
 * @param plainHttp       registries (host[:port]) spoken to over plain HTTP; loopback addresses
 *                        ({@code localhost}, {@code 127.0.0.0/8}, {@code [::1]}) always are
 * @param tlsVerify       verify TLS certificates and host names (turn off only for testing)
 * @param retry           retries of failed requests and interrupted transfers
 * @param requestTimeout  how long to wait for the response headers of a request
 * @param cacheDirectory  where to remember compressed digests and blob locations between runs;
 *                        null to remember nothing
 * @param userAgent       the User-Agent header
 */
public record ClientOptions(int parallelism, long chunkSize, Set<String> plainHttp, boolean tlsVerify,
                            RetryPolicy retry, Duration requestTimeout, Path cacheDirectory, String userAgent) {

    public static final long DEFAULT_CHUNK_SIZE = 64L * 1024 * 1024;

    public ClientOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
        if (chunkSize < 1024) {
            throw new IllegalArgumentException("chunk size must be at least 1 KiB");
        }
        plainHttp = Set.copyOf(plainHttp);
    }

    /** Six blobs at a time (as skopeo), 64 MiB chunks, TLS verified, five tries per request, nothing cached. */
    public static ClientOptions defaults() {
        return new ClientOptions(6, DEFAULT_CHUNK_SIZE, Set.of(), true, RetryPolicy.DEFAULT, Duration.ofSeconds(60),
                null, "wharf-client");
    }

    public ClientOptions withParallelism(int value) {
        return new ClientOptions(value, chunkSize, plainHttp, tlsVerify, retry, requestTimeout, cacheDirectory, userAgent);
    }

    public ClientOptions withChunkSize(long value) {
        return new ClientOptions(parallelism, value, plainHttp, tlsVerify, retry, requestTimeout, cacheDirectory, userAgent);
    }

    public ClientOptions withPlainHttp(Set<String> value) {
        return new ClientOptions(parallelism, chunkSize, value, tlsVerify, retry, requestTimeout, cacheDirectory, userAgent);
    }

    public ClientOptions withTlsVerify(boolean value) {
        return new ClientOptions(parallelism, chunkSize, plainHttp, value, retry, requestTimeout, cacheDirectory, userAgent);
    }

    public ClientOptions withRetry(RetryPolicy value) {
        return new ClientOptions(parallelism, chunkSize, plainHttp, tlsVerify, value, requestTimeout, cacheDirectory, userAgent);
    }

    public ClientOptions withRequestTimeout(Duration value) {
        return new ClientOptions(parallelism, chunkSize, plainHttp, tlsVerify, retry, value, cacheDirectory, userAgent);
    }

    public ClientOptions withCacheDirectory(Path value) {
        return new ClientOptions(parallelism, chunkSize, plainHttp, tlsVerify, retry, requestTimeout, value, userAgent);
    }

    public ClientOptions withUserAgent(String value) {
        return new ClientOptions(parallelism, chunkSize, plainHttp, tlsVerify, retry, requestTimeout, cacheDirectory, value);
    }
}
