package dev.wharf.server.web;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.apache.coyote.InputBuffer;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow or unread request bodies from holding worker threads.
 * <ul>
 *   <li>Every read of a request body (the application's, and Tomcat's own form parsing) goes
 *       through a {@link BodyRate}: a body arriving below the minimum rate fails the read, and the
 *       connection is closed after the answer.</li>
 *   <li>When a request ends with part of its body unread (a 401 before the upload was read, or a
 *       416 for a chunk another request is writing), Tomcat would read and discard the rest on the
 *       worker thread, at whatever pace the client sends it. Instead, what has already arrived is
 *       discarded without waiting, up to {@code maxSwallow} bytes. If the body is then still not
 *       complete, the answer is sent at once and the rest is discarded only while it arrives at
 *       full speed (a <em>lingering close</em>: at least {@link #LINGER_RATE} bytes/s after the
 *       first {@link #LINGER_GRACE}, at most {@link #LINGER_MAX} in all); a slower body is cut
 *       and its connection closed. Closing
 *       a socket whose peer is still sending makes the kernel answer with a reset, which can
 *       destroy the end of an answer the client has not read yet (seen as a chunked 416 cut
 *       before its last chunk), so a client sending at full speed keeps its connection and its
 *       whole answer. Tomcat does the same for a 400 or a 413.</li>
 *   <li>It sits in the engine pipeline, outside the error report, so that an answer is complete
 *       before its connection is closed.</li>
 * </ul>
 * A read that receives nothing at all is ended by the connector's upload timeout (set to the rate
 * window by {@link TomcatTuning}).
 */
final class BodyGuardValve extends ValveBase {

    private static final Logger log = LoggerFactory.getLogger(BodyGuardValve.class);

    /** The longest a request waits for the rest of a body it will not read, once answered. */
    static final Duration LINGER_MAX = Duration.ofSeconds(2);
    /** How long such a body may take to get going before its rate counts. */
    static final Duration LINGER_GRACE = Duration.ofMillis(200);
    /** The rate such a body must keep (on average, after the grace) for its connection to stay. */
    static final long LINGER_RATE = 512 * 1024;

    private final long minBytesPerSecond;
    private final Duration window;
    private final long maxSwallow;

    /**
     * @param minBytesPerSecond the minimum body rate; 0 turns the rate check off
     * @param maxSwallow the most unread body bytes discarded to keep a connection open
     */
    BodyGuardValve(long minBytesPerSecond, Duration window, long maxSwallow) {
        super(true);
        this.minBytesPerSecond = minBytesPerSecond;
        this.window = window;
        this.maxSwallow = maxSwallow;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        org.apache.coyote.Request coyote = request.getCoyoteRequest();
        InputBuffer original = coyote.getInputBuffer();
        RateGuarded guarded = null;
        if (minBytesPerSecond > 0 && original != null) {
            guarded = new RateGuarded(original, new BodyRate(minBytesPerSecond, window, System::nanoTime));
            coyote.setInputBuffer(guarded);
        }
        try {
            getNext().invoke(request, response);
        } finally {
            if (guarded != null) {
                coyote.setInputBuffer(original);
            }
        }
        if (request.isAsync()) {
            return;
        }
        boolean tooSlow = guarded != null && guarded.rate.tripped();
        if (tooSlow) {
            log.debug("closing the connection of {} {}: body too slow", request.getMethod(), request.getRequestURI());
            close(response);
        } else if (!coyote.isFinished()) {
            Unread unread = discardArrived(coyote);
            if (unread == Unread.TOO_MUCH || (unread == Unread.ON_ITS_WAY && !lingerFor(response, coyote))) {
                log.debug("closing the connection of {} {}: its body was not read ({} of {} bytes arrived)",
                        request.getMethod(), request.getRequestURI(), coyote.getBytesRead(), coyote.getContentLengthLong());
                close(response);
            }
        }
    }

    /**
     * Sends the whole answer, then closes the connection without reading the rest of the body.
     * (Tomcat's own way, {@code DISABLE_SWALLOW_INPUT}, marks the response as failed: the error
     * report would cut a chunked answer short and a 2xx would be logged as 500.) Runs in the engine
     * pipeline, after the error report has been written.
     */
    private static void close(Response response) {
        try {
            response.finishResponse();
        } catch (IOException e) {
            // the client is gone; close all the same
        }
        response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, null);
    }

    /** What is left of a body the application did not read. */
    private enum Unread {
        /** Nothing: the connection can serve the next request. */
        NONE,
        /** Some of a body within the swallow bound that has not arrived yet. */
        ON_ITS_WAY,
        /** More than will be discarded, a chunked body, or a broken one: close the connection. */
        TOO_MUCH
    }

    /** Reads and drops the unread body as far as it has arrived, without waiting for more. */
    private Unread discardArrived(org.apache.coyote.Request coyote) {
        long length;
        try {
            length = coyote.getContentLengthLong();
        } catch (RuntimeException e) {
            return Unread.TOO_MUCH; // Tomcat has refused the request already
        }
        if (length < 0 || length - coyote.getBytesRead() > maxSwallow) {
            // chunked (a partial chunk header would block the read) or more than we will discard
            return Unread.TOO_MUCH;
        }
        Sink sink = new Sink();
        try {
            while (!coyote.isFinished()) {
                coyote.action(ActionCode.AVAILABLE, Boolean.TRUE);
                if (coyote.getAvailable() <= 0 || coyote.doRead(sink) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            return Unread.TOO_MUCH;
        }
        return coyote.isFinished() ? Unread.NONE : Unread.ON_ITS_WAY;
    }

    /**
     * Sends the answer, then discards the rest of the body while it arrives at full speed: up to
     * {@link #LINGER_MAX}, at {@link #LINGER_RATE} after {@link #LINGER_GRACE}. Only bodies within
     * {@code maxSwallow} get here, so a worker thread is held at most {@link #LINGER_MAX}, and a
     * trickled body only for the grace.
     *
     * @return whether the body is now complete (the connection can serve the next request)
     */
    private boolean lingerFor(Response response, org.apache.coyote.Request coyote) {
        try {
            response.finishResponse();
        } catch (IOException e) {
            return false; // the client is gone
        }
        long start = System.nanoTime();
        long drained = 0;
        Sink sink = new Sink();
        try {
            while (!coyote.isFinished()) {
                coyote.action(ActionCode.AVAILABLE, Boolean.TRUE);
                long now = System.nanoTime();
                long elapsed = now - start;
                if (coyote.getAvailable() > 0) {
                    int n = coyote.doRead(sink);
                    if (n < 0) {
                        break;
                    }
                    drained += n;
                } else if (elapsed > LINGER_MAX.toNanos()
                        || (elapsed > LINGER_GRACE.toNanos() && drained * 1_000_000_000L < LINGER_RATE * elapsed)) {
                    break;
                } else {
                    Thread.sleep(1);
                }
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return coyote.isFinished();
    }

    /** Tomcat's input buffer with the rate check around each read. */
    private static final class RateGuarded implements InputBuffer {
        private final InputBuffer delegate;
        private final BodyRate rate;

        RateGuarded(InputBuffer delegate, BodyRate rate) {
            this.delegate = delegate;
            this.rate = rate;
        }

        @Override
        public int doRead(ApplicationBufferHandler handler) throws IOException {
            long started = rate.now();
            int n = delegate.doRead(handler);
            rate.record(started, n);
            return n;
        }

        @Override
        public int available() {
            return delegate.available();
        }
    }

    /** Receives discarded bytes (Tomcat hands out its own buffer; nothing is copied). */
    private static final class Sink implements ApplicationBufferHandler {
        private ByteBuffer buffer = ByteBuffer.allocate(0);

        @Override
        public void setByteBuffer(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer getByteBuffer() {
            return buffer;
        }

        @Override
        public void expand(int size) {
        }
    }
}
