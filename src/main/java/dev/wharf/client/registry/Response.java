package dev.wharf.client.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A registry response whose body has not been read yet. Whoever reads it owns {@link #body()} and
 * must close it; {@link Registry} closes the bodies of responses nobody took.
 *
 * @param status  the HTTP status
 * @param headers the headers
 * @param body    the body stream
 * @param uri     the URI that answered (after redirects)
 */
public record Response(int status, HttpHeaders headers, InputStream body, URI uri) {

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public OptionalLong contentLength() {
        return headers.firstValueAsLong("Content-Length");
    }

    /**
     * Reads the whole body, refusing more than {@code limit} bytes: manifests, JSON lists and error
     * bodies are small, and a registry that sends gigabytes must not exhaust the heap.
     */
    public byte[] bytes(int limit) throws IOException {
        try (InputStream in = body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                if (out.size() + n > limit) {
                    throw new IOException("response body of " + uri + " exceeds " + limit + " bytes");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** Resolves a {@code Location}-style header against the URI that answered. */
    public Optional<URI> resolvedHeader(String name) {
        return header(name).map(uri::resolve);
    }
}
