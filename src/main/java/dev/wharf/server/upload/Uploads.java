package dev.wharf.server.upload;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.policy.Quotas;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.DigestMismatchException;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.web.RequestBodies;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Blob uploads: sessions, chunks, completion and monolithic uploads (cross-repository mounts are
 * {@link Mounts}, stale sessions {@link StaleUploads}).
 *
 * <p>Bytes go to the {@link BlobStore} first and metadata follows in one transaction, so a blob is
 * visible only once it is complete and verified. Session state lives in PostgreSQL; a request that
 * writes to a session holds the session's lease (a conditional UPDATE, renewed while the body
 * streams), so chunks of one session can arrive at any replica but never two at once.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs">spec: Pushing blobs</a>
 */
@Service
public class Uploads {

    private static final Logger log = LoggerFactory.getLogger(Uploads.class);

    /** What a client learns of a session: where it is and how many bytes it holds. */
    public record Status(UUID id, RepositoryName repository, long size) {
    }

    private final UploadSessions sessions;
    private final Repositories repositories;
    private final BlobLinks links;
    private final BlobStore store;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration leaseTtl;
    private final Duration claimWait;
    private final Counter uploads;
    private final Quotas quotas;

    public Uploads(UploadSessions sessions, Repositories repositories, BlobLinks links, BlobStore store,
                   TransactionTemplate transactions, MeterRegistry meters, Quotas quotas,
                   @Value("${wharf.upload.lease-ttl:2m}") Duration leaseTtl,
                   @Value("${wharf.upload.claim-wait:15s}") Duration claimWait) {
        this.sessions = sessions;
        this.repositories = repositories;
        this.links = links;
        this.store = store;
        this.transactions = transactions;
        this.quotas = quotas;
        this.clock = Clock.systemUTC();
        this.leaseTtl = leaseTtl;
        this.claimWait = claimWait;
        this.uploads = Counter.builder("wharf.blob.uploads")
                .description("Blob uploads completed (monolithic or sessions)").register(meters);
    }

    /** The chunk size to advertise as {@code OCI-Chunk-Min-Length}, when storage wants one. */
    public OptionalLong minimumChunkLength() {
        return store.minimumChunkLength();
    }

    /**
     * Starts a session (the repository comes into being if it is new).
     *
     * @param createdBy the subject of the principal starting it, or null; a token of the same
     *                  subject may finish the upload shortly after it expired
     */
    public Status start(RepositoryName repository, DigestAlgorithm algorithm, String createdBy) throws IOException {
        UUID id = UUID.randomUUID();
        BlobWriter writer = store.newWriter(id.toString(), algorithm);
        try {
            transactions.executeWithoutResult(status -> {
                long repositoryId = repositories.ensure(repository);
                checkOpenUploads(repository);
                sessions.save(new UploadSession(id, repositoryId, algorithm.prefix(), writer.state().storeState(),
                        clock.instant(), createdBy));
            });
        } catch (RuntimeException e) {
            writer.abort();
            throw e;
        }
        return new Status(id, repository, 0);
    }

    /** 403 when the repository's namespace has {@code wharf.namespace.max-open-uploads} open sessions. */
    private void checkOpenUploads(RepositoryName repository) {
        int max = repositories.limits().maxOpenUploads();
        if (!repositories.namespacesEnforced() || max == 0) {
            return;
        }
        repositories.lockForGrowth(repository);
        long open = sessions.countInNamespace(repository.namespace());
        if (open >= max) {
            throw new OciException(OciErrorCode.DENIED, "namespace " + repository.namespace() + " has " + open
                    + " uploads open, the most allowed (wharf.namespace.max-open-uploads): finish or cancel some "
                    + "(DELETE the upload), or wait for idle ones to be purged");
        }
    }

    /** The session's progress. */
    public Status status(RepositoryName repository, UUID id) {
        return new Status(id, repository, find(repository, id).size());
    }

    /**
     * Appends a chunk.
     *
     * @param range         the chunk's {@code Content-Range}, or null for a streamed chunk
     * @param contentLength the request's {@code Content-Length}, or -1 when not given
     * @throws OciException 416 when the chunk does not start where the session ends, 404
     *                      {@code BLOB_UPLOAD_UNKNOWN} for an unknown session, 400 for a body that
     *                      does not match its announced length
     */
    public Status append(RepositoryName repository, UUID id, String range, long contentLength, InputStream body)
            throws IOException {
        ChunkRange chunk = ChunkRange.parse(range);
        try (UploadLease lease = claim(repository, id, Duration.ZERO)) {
            long expected = expectedLength(lease.session, chunk, contentLength);
            checkQuota(lease, repository, null, lease.session.size() + Math.max(expected, 0));
            BlobWriter writer = resume(lease);
            append(lease, writer, repository, null, body, expected);
            lease.recordAndRelease(writer.state());
            return new Status(id, repository, writer.size());
        } catch (UploadLease.UploadLostException e) {
            throw outOfOrder(find(repository, id), e.getMessage());
        } catch (UploadGoneException e) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, e.getMessage() + "; start the upload again");
        }
    }

    /**
     * Closes a session: appends the optional last chunk, verifies the digest over all bytes and
     * publishes the blob in the repository.
     *
     * @throws OciException {@code DIGEST_INVALID} when the content does not match {@code expected}
     *                      (the session is then discarded and nothing is published)
     */
    public long finish(RepositoryName repository, UUID id, Digest expected, String range, long contentLength,
                       InputStream body) throws IOException {
        ChunkRange chunk = ChunkRange.parse(range);
        // a closing PUT may arrive while the request of an earlier chunk is still winding down (its
        // client gone, the server not yet aware): wait for it a bounded time instead of failing
        try (UploadLease lease = claim(repository, id, claimWait)) {
            BlobWriter writer = resume(lease);
            if (chunk != null || contentLength != 0) {
                long length = expectedLength(lease.session, chunk, contentLength);
                checkQuota(lease, repository, expected, lease.session.size() + Math.max(length, 0));
                append(lease, writer, repository, expected, body, length);
            }
            try {
                writer.commit(expected);
            } catch (DigestMismatchException e) {
                lease.end();
                store.deleteUpload(id.toString());
                throw digestMismatch(e);
            }
            long size = writer.size();
            try {
                record(repository, lease.session.repositoryId(), expected, size, writer, lease::end);
            } catch (RuntimeException e) {
                RuntimeException translated = quotas.translate(e);
                if (translated != e) {
                    // refused for the quota: the session and its data go, and the bytes it published
                    discard(lease);
                    deletePublished(expected);
                }
                throw translated;
            }
            deleteUploadData(id);
            uploads.increment();
            return size;
        } catch (UploadLease.UploadLostException e) {
            throw outOfOrder(find(repository, id), e.getMessage());
        } catch (UploadGoneException e) {
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, e.getMessage() + "; start the upload again");
        }
    }

    /**
     * Uploads a whole blob in one request ({@code POST ?digest=}, no session).
     *
     * @return the blob's size
     */
    public long upload(RepositoryName repository, Digest expected, long contentLength, InputStream body)
            throws IOException {
        // refused before the body is read when the namespace is missing or full
        long repositoryId = transactions.execute(status -> repositories.ensure(repository));
        quotas.checkUpload(repository, expected, contentLength);
        BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), expected.algorithm());
        long size;
        try {
            QuotaBoundBody bounded = QuotaBoundBody.of(quotas, repository, expected, 0,
                    RequestBodies.exactly(body, contentLength), contentLength);
            try {
                writer.append(bounded);
            } catch (IOException | RuntimeException e) {
                if (bounded.refusal() == null) {
                    throw e;
                }
                bounded.discardRest();
                throw bounded.refusal();
            }
            writer.commit(expected);
            size = writer.size();
            try {
                record(repository, repositoryId, expected, size, writer, () -> { });
            } catch (RuntimeException e) {
                RuntimeException translated = quotas.translate(e);
                if (translated != e) {
                    deletePublished(expected);
                }
                throw translated;
            }
        } catch (DigestMismatchException e) {
            throw digestMismatch(e);
        } finally {
            // nobody else knows this upload: its scratch data goes once the blob is recorded (it is
            // what publishes the blob again if garbage collection removed it meanwhile)
            writer.abort();
        }
        uploads.increment();
        return size;
    }

    /**
     * Records a published blob and links it into the repository, with {@code alsoInTransaction}, in
     * one transaction. The namespace is held first, so that its deletion waits for this or this sees
     * it gone. A new link holds the blob's row, so the bytes are then checked and published again
     * if the garbage collector removed them since {@code writer} published them (see
     * {@link BlobLinks#link}); a transaction that lost a race with the collector runs again.
     */
    private void record(RepositoryName repository, long repositoryId, Digest digest, long size, BlobWriter writer,
                        Runnable alsoInTransaction) throws IOException {
        try {
            Conflicts.retry(4, () -> transactions.execute(status -> {
                repositories.holdNamespace(repository);
                if (links.link(repositoryId, digest, size)) {
                    try {
                        writer.ensurePublished();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                alsoInTransaction.run();
                return null;
            }));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Cancels a session and removes its data. A request still writing to it keeps it: the cancel
     * waits for that request a bounded time, like a closing PUT, and then deletes the session as
     * its holder, so no writer is cut off mid-write and none can record progress afterwards.
     */
    public void cancel(RepositoryName repository, UUID id) throws IOException {
        try (UploadLease lease = claim(repository, id, claimWait)) {
            lease.end();
        }
        deleteUploadData(id);
    }

    /**
     * Appends a chunk of {@code length} bytes (negative: not announced) to the session; a streamed
     * chunk the namespace's quota cannot hold is refused as soon as it arrives beyond the quota,
     * and its session goes with its data, as one refused at its commit.
     */
    private void append(UploadLease lease, BlobWriter writer, RepositoryName repository, Digest digest, InputStream body,
                        long length) throws IOException {
        QuotaBoundBody bounded = QuotaBoundBody.of(quotas, repository, digest, lease.session.size(),
                RequestBodies.exactly(body, length), length);
        try {
            writer.append(lease.keepAlive(bounded));
        } catch (IOException | RuntimeException e) {
            if (bounded.refusal() == null) {
                throw e;
            }
            discard(lease);
            bounded.discardRest();
            throw bounded.refusal();
        }
    }

    /** {@link Quotas#checkUpload}; a refused session goes with its data, as one refused at its commit. */
    private void checkQuota(UploadLease lease, RepositoryName repository, Digest digest, long size) {
        try {
            quotas.checkUpload(repository, digest, size);
        } catch (OciException e) {
            discard(lease);
            throw e;
        }
    }

    /** Ends a refused session and removes its data; a session someone else ended meanwhile is gone already. */
    private void discard(UploadLease lease) {
        try {
            lease.end();
        } catch (OciException e) {
            log.debug("refused upload {}: {}", lease.session.id(), e.getMessage());
        }
        deleteUploadData(lease.session.id());
    }

    /**
     * Removes the bytes a refused upload published, unless a blob row knows them (then they are
     * someone else's too): under a placeholder row, as the garbage collector does (ARCHITECTURE.md,
     * "Garbage collection", Bytes), so an upload of the same digest racing this one publishes them
     * again. Best effort: what stays is an orphan for the inventory sweep.
     */
    private void deletePublished(Digest digest) {
        try {
            transactions.execute(status -> {
                status.setRollbackOnly();
                if (links.holdAbsent(java.util.List.of(digest)).contains(digest)) {
                    try {
                        store.delete(digest);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("could not remove the bytes of refused upload {}: {}", digest, e.toString());
        }
    }

    /**
     * The session is gone: its scratch data goes too. What a failure here leaves has no session any
     * more: it is for the garbage collector's inventory sweep (issue 8).
     */
    private void deleteUploadData(UUID id) {
        try {
            store.deleteUpload(id.toString());
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove the data of upload {}: {}", id, e.toString());
        }
    }

    /**
     * Which of {@code uploadIds} (as the store names uploads) are sessions in progress; for the
     * garbage collector's inventory sweep.
     */
    public Set<String> sessionsAmong(Collection<String> uploadIds) {
        List<UUID> ids = new ArrayList<>();
        for (String id : uploadIds) {
            try {
                ids.add(UUID.fromString(id));
            } catch (IllegalArgumentException e) {
                // not a session id: no session has it
            }
        }
        Set<String> out = new HashSet<>();
        if (!ids.isEmpty()) {
            sessions.findAllById(ids).forEach(s -> out.add(s.id().toString()));
        }
        return out;
    }

    /** The subject that started upload {@code id} of {@code repository}, when known. */
    public java.util.Optional<String> creator(RepositoryName repository, UUID id) {
        return sessions.findInRepository(id, repository.value()).map(UploadSession::createdBy);
    }

    private UploadSession find(RepositoryName repository, UUID id) {
        return sessions.findInRepository(id, repository.value()).orElseThrow(() -> unknownUpload(id));
    }

    private static OciException unknownUpload(UUID id) {
        return new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "upload unknown: " + id);
    }

    private static OciException digestMismatch(DigestMismatchException e) {
        return new OciException(OciErrorCode.DIGEST_INVALID, e.getMessage(),
                Map.of("expected", e.expected().toString(), "actual", e.actual().toString()));
    }

    /** The number of bytes the body must have, or -1 when it may have any. */
    private static long expectedLength(UploadSession session, ChunkRange chunk, long contentLength) {
        if (chunk == null) {
            return contentLength;
        }
        if (chunk.start() != session.size()) {
            throw outOfOrder(session, "chunk starts at " + chunk.start() + " but the upload holds " + session.size()
                    + " bytes");
        }
        if (contentLength >= 0 && contentLength != chunk.length()) {
            throw new OciException(OciErrorCode.SIZE_INVALID, "Content-Length " + contentLength
                    + " does not match Content-Range " + chunk.start() + "-" + chunk.end());
        }
        return chunk.length();
    }

    /** A 416 that tells the client where the upload stands. */
    private static OciException outOfOrder(UploadSession session, String message) {
        return new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, 416, message, null)
                .withHeader("Range", UploadHeaders.range(session.size()))
                .withHeader("Docker-Upload-UUID", session.id().toString());
    }

    private BlobWriter resume(UploadLease lease) throws IOException {
        UploadSession session = lease.session;
        DigestAlgorithm algorithm = DigestAlgorithm.fromPrefix(session.algorithm());
        Digest soFar = session.digestSoFar() == null ? null : Digest.parse(session.digestSoFar());
        try {
            return store.resumeWriter(session.id().toString(),
                    new UploadState(session.size(), algorithm, soFar, session.storeState()), lease);
        } catch (UploadGoneException e) {
            lease.end();
            deleteUploadData(session.id());
            throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, e.getMessage() + "; start the upload again");
        }
    }

    /**
     * Takes the session's lease, waiting up to {@code wait} while another request holds it.
     *
     * @throws OciException 416 when it stays held, 404 when the session is unknown in {@code repository}
     */
    private UploadLease claim(RepositoryName repository, UUID id, Duration wait) {
        UUID token = UUID.randomUUID();
        double ttlSeconds = leaseTtl.toMillis() / 1000.0;
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = 20;
        while (true) {
            long before = System.nanoTime();
            Optional<UploadSession> claimed = sessions.claim(id, repository.value(), token, ttlSeconds);
            if (claimed.isPresent()) {
                return new UploadLease(sessions, leaseTtl, claimed.get(), token, before);
            }
            UploadSession session = find(repository, id);
            if (System.nanoTime() >= deadline) {
                throw outOfOrder(session, "another request is writing to upload " + id);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw outOfOrder(session, "another request is writing to upload " + id);
            }
            pause = Math.min(pause * 2, 250);
        }
    }
}
