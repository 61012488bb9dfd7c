package dev.wharf.server.blob;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.web.FileBodies;
import dev.wharf.server.web.SocketBuffers;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code GET}, {@code HEAD} and {@code DELETE} of {@code /v2/<name>/blobs/<digest>}.
 *
 * <p>Reads stream: a local file straight from the connection's socket write buffer
 * ({@link FileBodies}), or through Tomcat's sendfile (zero-copy) when {@code wharf.http.sendfile}
 * is on; other stores through a buffer. A single byte range is honoured (206); a range past
 * the end is 416.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs">spec: Pulling blobs</a>
 */
@Component
public class BlobEndpoints {

    private static final Logger log = LoggerFactory.getLogger(BlobEndpoints.class);

    // Tomcat's sendfile contract (org.apache.coyote.Constants / Globals)
    private static final String SENDFILE_SUPPORTED = "org.apache.tomcat.sendfile.support";
    private static final String SENDFILE_FILENAME = "org.apache.tomcat.sendfile.filename";
    private static final String SENDFILE_START = "org.apache.tomcat.sendfile.start";
    private static final String SENDFILE_END = "org.apache.tomcat.sendfile.end";

    private static final int COPY_BUFFER = 1024 * 1024;
    private static final long SENDFILE_MIN = 48 * 1024;

    private final BlobLinks links;
    private final BlobStore store;
    private final Duration redirectTtl;
    private final boolean sendfile;
    private final TransactionTemplate transactions;
    private final Events events;

    public BlobEndpoints(BlobLinks links, BlobStore store,
                         @Value("${wharf.storage.s3.redirect-ttl:20m}") Duration redirectTtl,
                         @Value("${wharf.http.sendfile:false}") boolean sendfile,
                         TransactionTemplate transactions, Events events) {
        this.transactions = transactions;
        this.events = events;
        this.links = links;
        this.store = store;
        this.redirectTtl = redirectTtl;
        this.sendfile = sendfile;
    }

    /**
     * Serves the blob (or only its headers, for HEAD). The headers that describe the blob are set
     * only once the store has opened it: an error answer (the store is unavailable: 503) must not
     * carry the blob's length, type, digest or year-long {@code Cache-Control}.
     */
    public void get(RepositoryName repository, Digest digest, HttpServletRequest request,
                    HttpServletResponse response) throws IOException {
        long size = links.sizeIn(repository, digest)
                .orElseThrow(() -> new OciException(OciErrorCode.BLOB_UNKNOWN, "blob unknown: " + digest, digest.toString()));
        if ("HEAD".equals(request.getMethod())) {
            describe(response, digest);
            response.setContentLengthLong(size);
            response.setStatus(HttpServletResponse.SC_OK);
            return;
        }
        Optional<URI> redirect = store.redirect(digest, redirectTtl);
        if (redirect.isPresent()) {
            describe(response, digest);
            response.setStatus(HttpServletResponse.SC_TEMPORARY_REDIRECT);
            response.setHeader(HttpHeaders.LOCATION, redirect.get().toString());
            response.setContentLength(0);
            return;
        }
        BlobSource source;
        try {
            source = store.open(digest);
        } catch (BlobNotFoundException e) {
            // the garbage collector may have removed an unused link and its blob since the lookup
            if (links.sizeIn(repository, digest).isPresent()) {
                log.warn("metadata lists blob {} in {} but storage does not hold it", digest, repository);
            }
            throw new OciException(OciErrorCode.BLOB_UNKNOWN, "blob unknown: " + digest, digest.toString());
        }
        ByteRange range;
        try {
            range = ByteRange.parse(request.getHeader(HttpHeaders.RANGE), source.size());
        } catch (ByteRange.Unsatisfiable e) {
            throw new OciException(OciErrorCode.SIZE_INVALID, HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE.value(),
                    e.getMessage(), null).withHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + source.size());
        }
        long start = range == null ? 0 : range.start();
        long length = range == null ? source.size() : range.length();
        Optional<Path> file = source.localFile();
        if (sendfile && file.isPresent() && length >= SENDFILE_MIN && Boolean.TRUE.equals(request.getAttribute(SENDFILE_SUPPORTED))) {
            describe(response, digest, range, source.size(), length);
            request.setAttribute(SENDFILE_FILENAME, file.get().toString());
            request.setAttribute(SENDFILE_START, start);
            request.setAttribute(SENDFILE_END, start + length);
            return;
        }
        if (file.isPresent() && length >= SocketBuffers.LARGE_BODY) {
            FileChannel channel;
            try {
                channel = FileChannel.open(file.get(), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new OciException(OciErrorCode.BLOB_UNKNOWN, "blob unknown: " + digest, digest.toString());
            }
            try (channel) {
                describe(response, digest, range, source.size(), length);
                if (FileBodies.send(request, response, channel, start, length)) {
                    return;
                }
                forget(response); // not Wharf's connector: streamed below
            }
        }
        try (InputStream in = source.openStream(start, length)) {
            describe(response, digest, range, source.size(), length);
            if (length >= SocketBuffers.LARGE_BODY) {
                SocketBuffers.enlarge(request);
            }
            OutputStream out = response.getOutputStream();
            // small blobs (configs, signatures) need no megabyte of buffer
            byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(length, 8192))];
            int n;
            while ((n = in.read(buffer)) != -1) {
                out.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            if (!response.isCommitted()) {
                // nothing went out yet: the error answer replaces the blob's
                response.resetBuffer();
                forget(response);
            }
            throw e;
        }
    }

    /** The headers of the blob itself. */
    private static void describe(HttpServletResponse response, Digest digest) {
        response.setHeader("Docker-Content-Digest", digest.toString());
        response.setHeader(HttpHeaders.ETAG, "\"" + digest + "\"");
        response.setHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "max-age=31536000");
        response.setContentType("application/octet-stream");
    }

    /** The headers of the blob and of the bytes about to be sent: all of it (200) or one range (206). */
    private static void describe(HttpServletResponse response, Digest digest, ByteRange range, long size, long length) {
        describe(response, digest);
        if (range != null) {
            response.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
            response.setHeader(HttpHeaders.CONTENT_RANGE, "bytes " + range.start() + "-" + range.end() + "/" + size);
        } else {
            response.setStatus(HttpServletResponse.SC_OK);
        }
        response.setContentLengthLong(length);
    }

    /** Takes back what {@link #describe} set (a header set to null is removed). */
    private static void forget(HttpServletResponse response) {
        for (String header : new String[] {"Docker-Content-Digest", HttpHeaders.ETAG, HttpHeaders.ACCEPT_RANGES,
                HttpHeaders.CACHE_CONTROL, HttpHeaders.CONTENT_RANGE}) {
            response.setHeader(header, null);
        }
        response.setContentType(null);
        response.setContentLengthLong(-1);
    }

    /**
     * Unlinks the blob from the repository (202) and records {@code blob.deleted} in the same
     * transaction; its bytes stay until garbage collection.
     */
    public ResponseEntity<Void> delete(RepositoryName repository, Digest digest) {
        boolean unlinked = Conflicts.retry(3, () -> Boolean.TRUE.equals(transactions.execute(status -> {
            boolean gone = links.unlink(repository, digest);
            if (gone) {
                events.record(EventType.BLOB_DELETED, repository.namespace(), repository.value(), digest.toString(),
                        Map.of("digest", digest.toString()));
            }
            return gone;
        })));
        if (!unlinked) {
            throw new OciException(OciErrorCode.BLOB_UNKNOWN, "blob unknown: " + digest, digest.toString());
        }
        return ResponseEntity.accepted().build();
    }
}
