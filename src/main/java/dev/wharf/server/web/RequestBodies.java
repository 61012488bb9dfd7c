package dev.wharf.server.web;

import java.io.IOException;
import java.io.InputStream;

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
