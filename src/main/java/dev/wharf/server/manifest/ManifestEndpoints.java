package dev.wharf.server.manifest;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.route.Routes;
import dev.wharf.server.web.QueryParams;
import dev.wharf.server.web.RequestBodies;
import dev.wharf.server.web.RequestBodyException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * {@code GET}, {@code HEAD}, {@code PUT} and {@code DELETE} of {@code /v2/<name>/manifests/<reference>}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">spec: Pulling manifests</a>
 */
@Component
public class ManifestEndpoints {

    /** Tags a push by digest may add with {@code ?tag=}; more is 414. */
    static final int MAX_TAG_PARAMS = 100;

    private final Manifests manifests;
    private final ManifestService service;
    private final Repositories repositories;
    private final PullCounter pulls;
    private final int maxSize;

    public ManifestEndpoints(Manifests manifests, ManifestService service, Repositories repositories,
                             PullCounter pulls, @Value("${wharf.manifest.max-size:4MB}") DataSize maxSize) {
        this.manifests = manifests;
        this.service = service;
        this.repositories = repositories;
        this.pulls = pulls;
        this.maxSize = (int) maxSize.toBytes();
    }

    /** Serves the manifest by tag or digest, byte-exact, with its stored media type. */
    public ResponseEntity<byte[]> get(RepositoryName repository, Reference reference, HttpServletRequest request) {
        Optional<Manifests.Stored> found = reference instanceof Tag tag
                ? manifests.findByTag(repository, tag)
                : manifests.findByDigest(repository, reference.digestOrNull());
        Manifests.Stored manifest = found.orElseThrow(() -> unknown(repository, reference));
        return respond(repository, reference, manifest, request);
    }

    /**
     * The answer to a GET or HEAD of {@code manifest}, found at {@code reference} (a pull-through
     * cache finds it its own way): its exact bytes and media type, 404 when the Accept headers do
     * not allow its type. A GET counts as a pull.
     */
    public ResponseEntity<byte[]> respond(RepositoryName repository, Reference reference, Manifests.Stored manifest,
                                          HttpServletRequest request) {
        if (!acceptable(request.getHeaders(HttpHeaders.ACCEPT), manifest.mediaType())) {
            throw new OciException(OciErrorCode.MANIFEST_UNKNOWN, "manifest " + reference + " is a "
                    + manifest.mediaType() + ", which the Accept header does not allow");
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_TYPE, manifest.mediaType())
                .header("Docker-Content-Digest", manifest.digest().toString())
                .header(HttpHeaders.ETAG, "\"" + manifest.digest() + "\"")
                .contentLength(manifest.content().length);
        if ("HEAD".equals(request.getMethod())) {
            return response.build();
        }
        pulls.record(repository, reference instanceof Tag tag ? tag : null);
        return response.body(manifest.content());
    }

    /** Stores a manifest. */
    public ResponseEntity<Void> put(RepositoryName repository, Reference reference, HttpServletRequest request)
            throws IOException {
        List<Tag> extraTags = tagParameters(reference, request);
        byte[] body = readBody(request);
        ManifestService.Pushed pushed = service.put(repository, reference, body,
                request.getContentType(), extraTags);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.CREATED)
                .header(HttpHeaders.LOCATION, Routes.manifestPath(repository, new Reference.ByDigest(pushed.digest())))
                .header("Docker-Content-Digest", pushed.digest().toString());
        if (pushed.subject() != null) {
            response.header("OCI-Subject", pushed.subject().toString());
        }
        for (Tag tag : pushed.tags()) {
            response.header("OCI-Tag", tag.value());
        }
        return response.build();
    }

    /** Deletes a manifest (by digest) or a tag (by tag). */
    public ResponseEntity<Void> delete(RepositoryName repository, Reference reference) {
        boolean deleted = reference instanceof Tag tag
                ? service.deleteTag(repository, tag)
                : service.deleteManifest(repository, reference.digestOrNull());
        if (!deleted) {
            throw unknown(repository, reference);
        }
        return ResponseEntity.accepted().build();
    }

    private OciException unknown(RepositoryName repository, Reference reference) {
        if (repositories.find(repository).isEmpty()) {
            return new OciException(OciErrorCode.NAME_UNKNOWN, "repository unknown: " + repository, repository.value());
        }
        return new OciException(OciErrorCode.MANIFEST_UNKNOWN, "manifest unknown: " + repository + ":" + reference,
                reference.toString());
    }

    private static List<Tag> tagParameters(Reference reference, HttpServletRequest request) {
        List<String> values = QueryParams.of(request).all("tag");
        if (values.isEmpty()) {
            return List.of();
        }
        if (reference instanceof Tag) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "?tag= is only allowed when pushing by digest", null);
        }
        if (values.size() > MAX_TAG_PARAMS) {
            throw new OciException(OciErrorCode.UNSUPPORTED, HttpStatus.URI_TOO_LONG.value(),
                    "at most " + MAX_TAG_PARAMS + " tags per push", null);
        }
        List<Tag> out = new ArrayList<>(values.size());
        for (String v : values) {
            Tag tag = Tag.of(v);
            if (!out.contains(tag)) {
                out.add(tag);
            }
        }
        return out;
    }

    /**
     * Reads the manifest body into an array of exactly its size, refusing more than the size limit
     * (413) before reading it all.
     */
    private byte[] readBody(HttpServletRequest request) throws IOException {
        try (InputStream in = request.getInputStream()) {
            return RequestBodies.readAll(in, request.getContentLengthLong(), maxSize, this::tooLarge);
        } catch (RequestBodyException e) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, e.getMessage());
        }
    }

    private OciException tooLarge(long size) {
        return new OciException(OciErrorCode.MANIFEST_INVALID, HttpStatus.PAYLOAD_TOO_LARGE.value(),
                "manifest of " + (size < 0 ? "unknown" : Long.toString(size)) + " bytes exceeds the limit of "
                        + maxSize + " bytes", null);
    }

    /**
     * True when the client's Accept headers allow {@code mediaType}: no Accept header, or a range
     * that matches it (any type, {@code application/} wildcard, {@code application/json} as old clients
     * send, or the type itself) with a non-zero quality. Other parameters are ignored.
     */
    static boolean acceptable(Enumeration<String> acceptHeaders, String mediaType) {
        if (acceptHeaders == null || !acceptHeaders.hasMoreElements()) {
            return true;
        }
        boolean any = false;
        while (acceptHeaders.hasMoreElements()) {
            for (String range : acceptHeaders.nextElement().split(",")) {
                String[] parts = range.split(";", -1);
                String type = parts[0].trim().toLowerCase(Locale.ROOT);
                if (type.isEmpty()) {
                    continue;
                }
                any = true;
                boolean matches = type.equals(mediaType) || type.equals("*/*") || type.equals("application/*")
                        || type.equals("application/json");
                if (matches && quality(parts) > 0) {
                    return true;
                }
            }
        }
        return !any;
    }

    private static double quality(String[] rangeParts) {
        for (int i = 1; i < rangeParts.length; i++) {
            String p = rangeParts[i].trim();
            if (p.startsWith("q=") || p.startsWith("Q=")) {
                try {
                    return Double.parseDouble(p.substring(2).trim());
                } catch (NumberFormatException e) {
                    return 1;
                }
            }
        }
        return 1;
    }
}
