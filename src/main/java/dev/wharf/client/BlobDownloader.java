package dev.wharf.client;

import dev.wharf.client.archive.BlobTarget;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * Downloads one blob into a {@link BlobTarget}, digesting the bytes as they stream past. A dropped
 * connection resumes with a {@code Range} request from the last byte written. Only when the size
 * and the digest match is the target committed; otherwise it is aborted and the caller gets a
 * {@link RegistryException.IntegrityFailure}.
 */
final class BlobDownloader {

    private static final int BUFFER = 256 * 1024;

    private final Registry registry;
    private final TransferListener listener;

    BlobDownloader(Registry registry, TransferListener listener) {
        this.registry = registry;
        this.listener = listener;
    }

    /** Local writes fail the download at once: retrying the registry would not help. */
    private static void write(BlobTarget target, byte[] buffer, int n) {
        try {
            target.write(ByteBuffer.wrap(buffer, 0, n));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write: " + e.getMessage(), e);
        }
    }

    private static void truncate(BlobTarget target) {
        try {
            target.truncate(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write: " + e.getMessage(), e);
        }
    }

    void download(RepositoryName repository, Descriptor blob, BlobTarget target) {
        String id = blob.digest().toString();
        boolean committed = false;
        try {
            MessageDigest md = blob.digest().algorithm().newMessageDigest();
            RetryPolicy retry = registry.retryPolicy();
            byte[] buffer = new byte[BUFFER];
            int failures = 0;
            while (true) {
                long offset = target.written();
                Endpoints.BlobStream stream = registry.send(new Endpoints.GetBlob(repository, blob.digest(), offset));
                try (InputStream in = stream.body()) {
                    if (stream.offset() != offset) {
                        // the registry ignored the Range: start over
                        md.reset();
                        truncate(target);
                    }
                    long done = target.written();
                    long reported = done;
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (done + n > blob.size()) {
                            throw new RegistryException.IntegrityFailure(registry.host() + "/" + repository + "@"
                                    + blob.digest() + " is larger than its descriptor's " + blob.size() + " bytes");
                        }
                        write(target, buffer, n);
                        md.update(buffer, 0, n);
                        done += n;
                        if (done - reported >= 1024 * 1024) {
                            reported = done;
                            listener.blobProgress(id, done);
                        }
                    }
                } catch (IOException e) {
                    failures++;
                    if (failures >= retry.attempts() || Thread.currentThread().isInterrupted()) {
                        throw new RegistryException.Unavailable("download of " + registry.host() + "/" + repository + "@"
                                + blob.digest() + " kept failing: " + e.getMessage(), 0, e);
                    }
                    var delay = retry.delay(failures);
                    listener.retrying("download of " + id, failures, delay, String.valueOf(e.getMessage()));
                    RetryPolicy.sleep(delay);
                    continue;
                }
                break;
            }
            if (target.written() != blob.size()) {
                throw new RegistryException.IntegrityFailure(registry.host() + "/" + repository + "@" + blob.digest()
                        + " has " + target.written() + " bytes, but its descriptor says " + blob.size()
                        + "; nothing was kept");
            }
            Digest actual = Digest.finish(blob.digest().algorithm(), md);
            if (!actual.equals(blob.digest())) {
                throw new RegistryException.IntegrityFailure("the registry " + registry.host() + " sent content for "
                        + repository + "@" + blob.digest() + " whose digest is " + actual + "; nothing was kept");
            }
            try {
                target.commit();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store " + blob.digest() + ": " + e.getMessage(), e);
            }
            committed = true;
            listener.blobProgress(id, blob.size());
            listener.blobFinished(id, BlobOutcome.TRANSFERRED, blob.digest(), blob.size());
        } finally {
            if (!committed) {
                target.abort();
            }
        }
    }
}
