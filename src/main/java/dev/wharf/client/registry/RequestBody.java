package dev.wharf.client.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;

/**
 * The body of a request. A body is opened once per attempt; {@link #replayable()} says whether a
 * failed attempt may simply be sent again (small in-memory bodies) or whether the caller must
 * decide where to resume (blob uploads).
 */
public interface RequestBody {

    /** The length in bytes, or -1 for a streamed body of unknown length (sent chunked). */
    long length();

    /** A fresh publisher for one attempt. */
    HttpRequest.BodyPublisher publisher();

    boolean replayable();

    /** Bytes held in memory (manifests, JSON). */
    static RequestBody of(byte[] bytes) {
        return new RequestBody() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public HttpRequest.BodyPublisher publisher() {
                return HttpRequest.BodyPublishers.ofByteArray(bytes);
            }

            @Override
            public boolean replayable() {
                return true;
            }
        };
    }

    /** An empty body (with {@code Content-Length: 0}). */
    static RequestBody empty() {
        return of(new byte[0]);
    }

    /** A stream that can be read once, of {@code length} bytes or -1 when unknown. */
    static RequestBody stream(InputStream in, long length) {
        return new RequestBody() {
            private boolean used;

            @Override
            public long length() {
                return length;
            }

            @Override
            public synchronized HttpRequest.BodyPublisher publisher() {
                if (used) {
                    throw new UncheckedIOException(new IOException("a streamed body can be sent only once"));
                }
                used = true;
                HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.ofInputStream(() -> in);
                return length < 0 ? publisher : HttpRequest.BodyPublishers.fromPublisher(publisher, length);
            }

            @Override
            public boolean replayable() {
                return false;
            }
        };
    }
}
