package dev.wharf.server.upload;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import dev.wharf.server.web.RequestBodyException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.UUID;

/**
 * The right to write to one session, held for one request, and the fence that keeps this request
 * off storage once it may have lost that right.
 *
 * <p>The lease lapses {@code lease-ttl} after it was last taken or renewed, by PostgreSQL's clock.
 * This request measures from just before it sent that statement, with its own monotonic clock, so
 * its view of the lapse is never later than the database's: it renews after a quarter of the
 * lease and, before every storage write, refuses to go on once half the lease has passed without
 * a renewal it saw succeed. A renewal succeeds only while nobody claimed the session (token and
 * generation in the same statement), so a request that lost the session fails instead of writing.
 */
final class UploadLease implements AutoCloseable, WriteFence {
    private final UploadSessions sessions;
    private final Duration leaseTtl;
    final UploadSession session;
    private final UUID token;
    private final long generation;
    private boolean held = true;
    private long grantedAt;

    /**
     * @param grantedAt {@link System#nanoTime()} from just before the claim was sent
     */
    UploadLease(UploadSessions sessions, Duration leaseTtl, UploadSession session, UUID token, long grantedAt) {
        this.sessions = sessions;
        this.leaseTtl = leaseTtl;
        this.session = session;
        this.token = token;
        this.generation = session.generation();
        this.grantedAt = grantedAt;
    }

    @Override
    public String tag() {
        return "g" + generation;
    }

    @Override
    public boolean continuesInPlace() {
        return session.continuable();
    }

    @Override
    public void check() throws IOException {
        if (!held) {
            throw new UploadLostException("upload " + session.id() + " is no longer held by this request");
        }
        long elapsed = System.nanoTime() - grantedAt;
        if (elapsed < leaseTtl.toNanos() / 4) {
            return;
        }
        long before = System.nanoTime();
        if (sessions.renew(session.id(), token, generation, leaseTtl.toMillis() / 1000.0) == 0) {
            held = false;
            throw new UploadLostException("upload " + session.id() + " was cancelled or taken over");
        }
        grantedAt = before;
    }

    /** Renews the lease while {@code in} is read, so long transfers keep it. */
    InputStream keepAlive(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    check();
                } catch (UploadLostException e) {
                    throw new RequestBodyException(e.getMessage());
                }
                return super.read(b, off, len);
            }
        };
    }

    void recordAndRelease(UploadState state) {
        String soFar = state.digestSoFar() == null ? null : state.digestSoFar().toString();
        int updated = sessions.recordAndRelease(session.id(), token, generation, session.size(), state.size(),
                soFar, state.storeState());
        held = false;
        if (updated == 0) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN,
                    "upload " + session.id() + " was cancelled or taken over while this chunk was written");
        }
    }

    /**
     * Ends the session as its holder (published, discarded, cancelled); inside a transaction,
     * the transaction fails with it.
     */
    void end() {
        int deleted = sessions.deleteHeld(session.id(), token, generation);
        held = false;
        if (deleted == 0) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN,
                    "upload " + session.id() + " was cancelled or taken over");
        }
    }

    @Override
    public void close() {
        if (held) {
            held = false;
            sessions.release(session.id(), token, generation);
        }
    }

    /** This request lost its upload session: it must not touch storage again. */
    static final class UploadLostException extends IOException {
        UploadLostException(String message) {
            super(message);
        }
    }
}
