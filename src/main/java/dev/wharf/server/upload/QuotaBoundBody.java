package dev.wharf.server.upload;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.policy.Quotas;
import dev.wharf.server.web.RequestBodies;
import dev.wharf.server.web.RequestBodyException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/**
 * The body of an upload whose length was not announced (a streamed chunk), bounded by what is left
 * of its namespace's quota: without the bound, such a body filled scratch storage beyond the quota
 * until its commit was refused. A read that takes the count past the bound fails before those
 * bytes reach storage; {@link #refusal()} then holds the push's refusal (the caller ends the
 * session and answers with it, whatever the storage writer made of the failed read).
 */
final class QuotaBoundBody extends InputStream {

    /** The most of a refused body read and dropped so that its answer reaches the client. */
    static final long DISCARD_MAX = 1L << 30;

    private final InputStream in;
    private final long left;
    private final LongFunction<OciException> refuse;
    private long count;
    private OciException refusal;

    /**
     * @param left   the bytes this body may bring (negative: none)
     * @param refuse the refusal, given how many bytes had arrived
     */
    QuotaBoundBody(InputStream body, long left, LongFunction<OciException> refuse) {
        this.in = body;
        this.left = left;
        this.refuse = refuse;
    }

    /**
     * {@code body} bounded by what is left of the namespace's quota when its {@code length} is not
     * announced (a streamed body shows its size only as it arrives; an announced one was checked
     * before it was read), else as it is.
     *
     * @param digest the blob's digest when known (a blob the namespace holds costs nothing), else null
     * @param held   what the upload holds already (its session's bytes)
     */
    static QuotaBoundBody of(Quotas quotas, RepositoryName repository, Digest digest, long held, InputStream body,
                             long length) {
        if (length >= 0) {
            return unbounded(body);
        }
        return quotas.room(repository, digest)
                .map(room -> new QuotaBoundBody(body, room.left() - held, n -> quotas.refuse(room, held + n)))
                .orElseGet(() -> unbounded(body));
    }

    /** {@code body} without a bound: nothing is refused. */
    private static QuotaBoundBody unbounded(InputStream body) {
        return new QuotaBoundBody(body, Long.MAX_VALUE, n -> {
            throw new IllegalStateException("an unbounded body went past its bound");
        });
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (refusal != null) {
            throw new RequestBodyException(refusal.getMessage());
        }
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count > left) {
                refusal = refuse.apply(count);
                throw new RequestBodyException(refusal.getMessage());
            }
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /**
     * Reads and drops the rest of a refused body, up to {@link #DISCARD_MAX} bytes, so that the
     * refusal reaches a client still sending (docker streams a layer whole before it reads the
     * answer, and closing the connection under it makes its TCP stack reset and lose the answer).
     * Reads keep the minimum body rate ({@code BodyGuardValve}); a longer or slower body is cut and
     * its connection closed. Nothing of it is stored.
     */
    void discardRest() {
        try {
            RequestBodies.drain(in, -1, DISCARD_MAX);
        } catch (IOException e) {
            // the client went away or sent too slowly: the connection is closed after the answer
        }
    }

    /** The refusal, once the body went past its bound; null before. */
    OciException refusal() {
        return refusal;
    }
}
