package dev.wharf.server.upload;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.route.Routes;
import dev.wharf.server.web.QueryParams;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The upload endpoints: {@code POST /v2/<name>/blobs/uploads/} (session, monolithic, mount) and
 * {@code PATCH}, {@code PUT}, {@code GET}, {@code DELETE} of {@code /v2/<name>/blobs/uploads/<id>}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs">spec: Pushing blobs</a>
 */
@Component
public class UploadEndpoints {

    private final Uploads uploads;
    private final Mounts mounts;

    public UploadEndpoints(Uploads uploads, Mounts mounts) {
        this.uploads = uploads;
        this.mounts = mounts;
    }

    /**
     * {@code POST .../blobs/uploads/}: mount, monolithic upload, or a new session.
     *
     * @param mayMountFrom whether the caller may pull the repository it asks to mount from; when
     *                     not, no mount is tried and a session is started, as for any blob the
     *                     registry cannot mount
     */
    public ResponseEntity<Void> post(RepositoryName repository, HttpServletRequest request,
                                     Predicate<RepositoryName> mayMountFrom) throws IOException {
        QueryParams query = QueryParams.of(request);
        String mount = query.get("mount");
        if (mount != null) {
            Digest digest = Digest.parse(mount);
            String from = query.get("from");
            if (from != null && !from.isEmpty() && mayMountFrom.test(RepositoryName.of(from))) {
                OptionalLong mounted = mounts.mount(repository, digest, RepositoryName.of(from));
                if (mounted.isPresent()) {
                    return created(repository, digest);
                }
            }
            // not mountable: fall back to a normal session, as the spec asks
        }
        String digestParam = query.get("digest");
        if (digestParam != null) {
            Digest digest = Digest.parse(digestParam);
            uploads.upload(repository, digest, request.getContentLengthLong(), request.getInputStream());
            return created(repository, digest);
        }
        DigestAlgorithm algorithm = DigestAlgorithm.SHA256;
        String algorithmParam = query.get("digest-algorithm");
        if (algorithmParam != null) {
            algorithm = DigestAlgorithm.fromPrefix(algorithmParam);
            if (algorithm == null) {
                throw new OciException(OciErrorCode.DIGEST_INVALID, "unsupported digest algorithm: " + algorithmParam);
            }
        }
        String user = request.getRemoteUser();
        Uploads.Status status = uploads.start(repository, algorithm, user == null || user.isEmpty() ? null : user);
        HttpHeaders headers = sessionHeaders(status);
        uploads.minimumChunkLength().ifPresent(min -> headers.set("OCI-Chunk-Min-Length", Long.toString(min)));
        return ResponseEntity.status(HttpStatus.ACCEPTED).headers(headers).build();
    }

    /** {@code PATCH .../uploads/<id>}: appends a chunk. */
    public ResponseEntity<Void> patch(RepositoryName repository, UUID id, HttpServletRequest request) throws IOException {
        Uploads.Status status = uploads.append(repository, id, request.getHeader(HttpHeaders.CONTENT_RANGE),
                request.getContentLengthLong(), request.getInputStream());
        return ResponseEntity.status(HttpStatus.ACCEPTED).headers(sessionHeaders(status)).build();
    }

    /** {@code PUT .../uploads/<id>?digest=}: the optional last chunk, then verify and publish. */
    public ResponseEntity<Void> put(RepositoryName repository, UUID id, HttpServletRequest request) throws IOException {
        String digestParam = QueryParams.of(request).get("digest");
        if (digestParam == null || digestParam.isEmpty()) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "closing an upload needs ?digest=");
        }
        Digest digest = Digest.parse(digestParam);
        uploads.finish(repository, id, digest, request.getHeader(HttpHeaders.CONTENT_RANGE),
                request.getContentLengthLong(), request.getInputStream());
        return created(repository, digest);
    }

    /** {@code GET .../uploads/<id>}: 204 with the session's Range. */
    public ResponseEntity<Void> status(RepositoryName repository, UUID id) {
        return ResponseEntity.noContent().headers(sessionHeaders(uploads.status(repository, id))).build();
    }

    /** {@code DELETE .../uploads/<id>}: cancels the session. */
    public ResponseEntity<Void> cancel(RepositoryName repository, UUID id) throws IOException {
        uploads.cancel(repository, id);
        return ResponseEntity.noContent().build();
    }

    private static ResponseEntity<Void> created(RepositoryName repository, Digest digest) {
        return ResponseEntity.status(HttpStatus.CREATED)
                .header(HttpHeaders.LOCATION, Routes.blobPath(repository, digest))
                .header("Docker-Content-Digest", digest.toString())
                .build();
    }

    private static HttpHeaders sessionHeaders(Uploads.Status status) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.LOCATION, Routes.uploadPath(status.repository(), status.id()));
        headers.set("Docker-Upload-UUID", status.id().toString());
        headers.set("Range", UploadHeaders.range(status.size()));
        return headers;
    }
}
