package dev.wharf.client;

import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.client.registry.RequestBody;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalLong;

/**
 * Uploads one blob: skips it when the repository has it, mounts it from another repository of the
 * same registry when one is known to hold it, else sends it in one request (blobs up to the chunk
 * size) or in chunks, resuming from the session's {@code Range} after a dropped connection, a 5xx
 * or a token that expired.
 *
 * <p>The bytes are digested as they are read; when they turn out not to match the expected digest
 * the request is aborted before its last bytes go out, so the registry never completes the blob.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs">spec: Pushing blobs</a>
 */
final class BlobUploader {

    /** What became of the blob. */
    record Uploaded(Digest digest, long size, BlobOutcome outcome) {
    }

    private final Registry registry;
    private final ClientOptions options;
    private final TransferListener listener;

    BlobUploader(Registry registry, ClientOptions options, TransferListener listener) {
        this.registry = registry;
        this.options = options;
        this.listener = listener;
    }

    /**
     * Uploads a blob.
     *
     * @param repository the repository to upload to
     * @param id         the listener's id for this blob
     * @param source     the content
     * @param expected   its digest, or null when only reading tells (then {@code source.size()} is -1)
     * @param mountFrom  repositories of this registry that may hold the blob
     */
    Uploaded upload(RepositoryName repository, String id, BlobSource source, Digest expected,
                    List<RepositoryName> mountFrom) {
        Endpoints.UploadSession session = null;
        if (expected != null) {
            OptionalLong have = registry.send(new Endpoints.BlobExists(repository, expected, true));
            if (have.isPresent()) {
                long size = have.getAsLong() >= 0 ? have.getAsLong() : source.size();
                listener.blobFinished(id, BlobOutcome.EXISTS, expected, size);
                return new Uploaded(expected, size, BlobOutcome.EXISTS);
            }
            for (RepositoryName from : mountFrom) {
                if (from.equals(repository)) {
                    continue;
                }
                try {
                    Endpoints.UploadSession s = registry.send(new Endpoints.StartUpload(repository, expected, from));
                    if (s.mounted()) {
                        listener.blobFinished(id, BlobOutcome.MOUNTED, expected, source.size());
                        return new Uploaded(expected, source.size(), BlobOutcome.MOUNTED);
                    }
                    // the registry opened an ordinary session instead
                    session = s;
                    break;
                } catch (RegistryException.NotFound | RegistryException.Denied | RegistryException.Rejected
                         | RegistryException.AuthenticationRequired e) {
                    // not mountable from there: upload
                }
            }
        }
        if (session == null) {
            session = registry.send(new Endpoints.StartUpload(repository));
        }
        Uploaded done = transfer(repository, id, session, source, expected);
        listener.blobFinished(id, BlobOutcome.TRANSFERRED, done.digest(), done.size());
        return done;
    }

    private Uploaded transfer(RepositoryName repository, String id, Endpoints.UploadSession start, BlobSource source,
                              Digest expected) {
        long size = source.size();
        if (size >= 0 && expected == null) {
            throw new IllegalArgumentException("a blob of known size needs its digest");
        }
        ResumableDigest digest = new ResumableDigest(expected == null ? DigestAlgorithm.SHA256 : expected.algorithm());
        Verification verification = new Verification(expected, size);
        long chunk = Math.max(options.chunkSize(), start.minChunk().orElse(0));
        RetryPolicy retry = registry.retryPolicy();
        Endpoints.UploadSession session = start;
        InputStream in = null;
        long inPosition = -1;
        int failures = 0;
        try {
            while (true) {
                long offset = session.offset();
                try {
                    if (in == null || inPosition != offset || digest.position() != offset) {
                        close(in);
                        in = null;
                        in = digest.seek(source, offset);
                        inPosition = offset;
                        listener.blobProgress(id, offset);
                    }
                    if (size >= 0 && size - offset <= chunk) {
                        // the whole blob, or its last chunk, with the closing PUT
                        long length = size - offset;
                        inPosition = -1;
                        RequestBody last;
                        if (length == 0) {
                            verification.check(digest);
                            last = RequestBody.empty();
                        } else {
                            last = body(in, length, digest, verification, id);
                        }
                        registry.send(new Endpoints.FinishUpload(repository, session, expected, last));
                        return new Uploaded(expected, size, BlobOutcome.TRANSFERRED);
                    }
                    long length = size >= 0 ? chunk : -1;
                    inPosition = -1;
                    Endpoints.UploadSession next = registry.send(new Endpoints.UploadChunk(repository, session,
                            body(in, length, digest, verification, id)));
                    long sent = digest.position();
                    if (next.offset() == sent) {
                        inPosition = sent;
                        digest.checkpoint();
                    }
                    session = next.offset() < 0 ? next.at(sent) : next;
                    if (size < 0 && verification.ended && session.offset() == sent) {
                        Digest actual = digest.current();
                        registry.send(new Endpoints.FinishUpload(repository, session, actual, RequestBody.empty()));
                        return new Uploaded(actual, sent, BlobOutcome.TRANSFERRED);
                    }
                } catch (RegistryException.Unavailable | IOException e) {
                    if (verification.failure != null) {
                        throw fail(repository, session, new RegistryException.IntegrityFailure(verification.failure));
                    }
                    failures++;
                    if (failures >= retry.attempts() || Thread.currentThread().isInterrupted()) {
                        throw fail(repository, session, e instanceof RegistryException re ? re
                                : new RegistryException.Unavailable("cannot read the content of " + id + ": " + e, 0, e));
                    }
                    var delay = retry.delay(failures);
                    listener.retrying("upload of " + id, failures, delay, String.valueOf(e.getMessage()));
                    RetryPolicy.sleep(delay);
                    session = where(repository, session, expected);
                    if (session.mounted()) {
                        // the interrupted request had completed the blob after all
                        return new Uploaded(expected, size, BlobOutcome.TRANSFERRED);
                    }
                } catch (RegistryException.Rejected e) {
                    if (e.status() != 416 || ++failures >= retry.attempts()) {
                        throw fail(repository, session, e);
                    }
                    // the registry holds a different amount than we thought: resume where it says
                    session = e.range() != null ? session.at(Endpoints.rangeEnd(e.range()))
                            : where(repository, session, expected);
                }
            }
        } finally {
            close(in);
        }
    }

    /**
     * Asks where an interrupted upload stands: the session's offset, a new session when the
     * registry forgot the old one, or {@link Endpoints.UploadSession#MOUNTED} when the blob is
     * complete already.
     */
    private Endpoints.UploadSession where(RepositoryName repository, Endpoints.UploadSession session, Digest expected) {
        if (expected != null && registry.send(new Endpoints.BlobExists(repository, expected, true)).isPresent()) {
            return Endpoints.UploadSession.MOUNTED;
        }
        try {
            return registry.send(new Endpoints.UploadStatus(repository, session));
        } catch (RegistryException.NotFound e) {
            return registry.send(new Endpoints.StartUpload(repository));
        }
    }

    private RegistryException fail(RepositoryName repository, Endpoints.UploadSession session, RegistryException e) {
        try {
            registry.send(new Endpoints.CancelUpload(repository, session));
        } catch (RegistryException ignored) {
            // the session expires on its own
        }
        return e;
    }

    private RequestBody body(InputStream in, long length, ResumableDigest digest, Verification verification, String id) {
        return RequestBody.stream(new ChunkStream(in, length, digest, verification, id), length);
    }

    private static void close(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // reading is over
            }
        }
    }

    /** The expected digest and size, checked when the last byte has been read. */
    private static final class Verification {
        final Digest expected;
        final long size;
        volatile String failure;
        volatile boolean ended;

        Verification(Digest expected, long size) {
            this.expected = expected;
            this.size = size;
        }

        /** Fails when the bytes read so far (all of them) do not have the expected digest. */
        void check(ResumableDigest digest) throws IOException {
            if (expected == null) {
                return;
            }
            Digest actual = digest.current();
            if (!actual.equals(expected)) {
                failure = "the content has digest " + actual + ", not " + expected + "; the upload was abandoned";
                throw new IOException(failure);
            }
        }
    }

    /**
     * One request's share of the source: at most {@code limit} bytes (all that is left when -1),
     * digested as they pass. Closing it leaves the source open for the next chunk.
     */
    private final class ChunkStream extends InputStream {
        private final InputStream in;
        private final long limit;
        private final ResumableDigest digest;
        private final Verification verification;
        private final String id;
        private final long generation;
        private long read;
        private long reported;

        ChunkStream(InputStream in, long limit, ResumableDigest digest, Verification verification, String id) {
            this.generation = digest.generation();
            this.in = in;
            this.limit = limit;
            this.digest = digest;
            this.verification = verification;
            this.id = id;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (limit >= 0 && read >= limit) {
                return -1;
            }
            int want = limit >= 0 ? (int) Math.min(len, limit - read) : len;
            // fill what the HTTP client asks for: it sends (and allocates) one buffer per read
            int n = in.readNBytes(b, off, want);
            if (n == 0) {
                n = -1;
            }
            if (n < 0) {
                if (verification.size >= 0) {
                    verification.failure = "the content of " + id + " ends after " + digest.position()
                            + " bytes, but its size is " + verification.size;
                    throw new IOException(verification.failure);
                }
                verification.ended = true;
                return -1;
            }
            // a request given up on may still be reading: it must not touch the resumed digest
            digest.update(generation, b, off, n);
            read += n;
            if (digest.position() - reported >= 1024 * 1024 || digest.position() == verification.size) {
                reported = digest.position();
                listener.blobProgress(id, reported);
            }
            if (verification.expected != null && digest.position() == verification.size) {
                verification.check(digest);
            }
            return n;
        }

        @Override
        public void close() {
            // the source stays open for the next chunk
        }
    }
}
