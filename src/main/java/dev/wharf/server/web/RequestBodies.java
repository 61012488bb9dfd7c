package dev.wharf.server.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.LongFunction;

/** Wraps request bodies so that what the client sent can be checked while it streams. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * A stream over {@code body} that yields exactly {@code expected} bytes, or, when
     * {@code expected} is negative, whatever the body holds. Ending early, a read failure, or a body
     * longer than {@code expected} throws {@link RequestBodyException}.
     */
    public static InputStream exactly(InputStream body, long expected) {
        return new Checked(body, expected);
    }

    /**
     * Reads a whole small body (a manifest) into an array of exactly its length. With an announced
     * length ({@code declared >= 0}) the array is allocated once at that size and filled in place;
     * without one, a buffer grows up to {@code limit + 1} bytes and is trimmed once.
     *
     * @param tooLarge builds the error thrown, before reading, when {@code declared} exceeds
     *                 {@code limit}, or as soon as more than {@code limit} bytes have arrived
     * @throws RequestBodyException when the body ends before, or goes on after, the announced length
     * @throws IOException          when reading fails (e.g. the client went away)
     */
    public static byte[] readAll(InputStream body, long declared, int limit, LongFunction<? extends RuntimeException> tooLarge)
            throws IOException {
        if (declared > limit) {
            drain(body, declared, limit);
            throw tooLarge.apply(declared);
        }
        if (declared >= 0) {
            byte[] out = new byte[(int) declared];
            int n = body.readNBytes(out, 0, out.length);
            if (n < out.length) {
                throw new RequestBodyException("request body ended after " + n + " of " + declared + " bytes");
            }
            if (body.read() != -1) {
                throw new RequestBodyException("request body is longer than the " + declared + " bytes announced");
            }
            return out;
        }
        byte[] buffer = new byte[Math.min(16 * 1024, limit + 1)];
        int size = 0;
        while (true) {
            if (size == buffer.length) {
                if (size > limit) {
                    drain(body, -1, limit);
                    throw tooLarge.apply(size);
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(2L * buffer.length, limit + 1L));
            }
            int n = body.read(buffer, size, buffer.length - size);
            if (n < 0) {
                break;
            }
            size += n;
        }
        if (size > limit) {
            throw tooLarge.apply(size);
        }
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }

    /**
     * Reads and drops the rest of a body that is refused for its size, up to {@code bound} more
     * bytes, so that the refusal reaches the client: closing the connection while it still sends
     * makes its TCP stack reset and lose the answer (docker then reports a broken pipe instead of
     * the 413, or the quota's 403). Bodies announced beyond twice the bound are not read, and a body
     * longer than the bound is cut: the connection is closed instead. Reads stay under the minimum
     * body rate, so a slow client cannot hold the thread with this.
     *
     * @param declared the body's announced length, or -1 when it was not announced
     */
    public static void drain(InputStream body, long declared, long bound) throws IOException {
        if (declared > 2 * bound) {
            return;
        }
        byte[] scratch = new byte[64 * 1024];
        long left = bound;
        int n;
        while (left > 0 && (n = body.read(scratch, 0, (int) Math.min(scratch.length, left))) > 0) {
            left -= n;
        }
    }

    private static final class Checked extends InputStream {
        private final InputStream in;
        private final long expected;
        private long count;

        Checked(InputStream in, long expected) {
            this.in = in;
            this.expected = expected;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (expected >= 0 && count == expected) {
                // the announced length is complete; a byte more means the body is longer
                if (in.read() != -1) {
                    throw new RequestBodyException("request body is longer than the " + expected + " bytes announced");
                }
                return -1;
            }
            int want = expected < 0 ? len : (int) Math.min(len, expected - count);
            int n;
            try {
                n = in.read(b, off, want);
            } catch (IOException e) {
                throw new RequestBodyException("reading the request body failed after " + count + " bytes: " + e, e);
            }
            if (n < 0) {
                if (expected >= 0 && count < expected) {
                    throw new RequestBodyException("request body ended after " + count + " of " + expected + " bytes");
                }
                return -1;
            }
            count += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
