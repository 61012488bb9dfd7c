package dev.wharf.client.registry;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The distribution API, one immutable record per step. Each knows its request, its scopes and the
 * statuses it expects; everything else is {@link RegistryErrors}' business.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md">OCI distribution spec</a>
 */
public final class Endpoints {

    /** The most a manifest or a JSON list may weigh. */
    static final int MAX_DOCUMENT = 16 * 1024 * 1024;

    private static final JsonMapper JSON = Json.MAPPER;
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");

    private Endpoints() {
    }

    // ---- base ------------------------------------------------------------------------------

    /** {@code GET /v2/}: the registry answers, and accepts the credentials. */
    public record Ping() implements Endpoint<Void> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return "/v2/";
        }

        @Override
        public List<Scope> scopes() {
            return List.of();
        }

        @Override
        public String describe(String registry) {
            return "registry " + registry;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200;
        }

        @Override
        public Void read(Response response) throws IOException {
            response.body().close();
            return null;
        }
    }

    // ---- blobs -----------------------------------------------------------------------------

    /**
     * {@code HEAD /v2/<name>/blobs/<digest>}: the blob's size when the repository has it, else empty.
     *
     * @param forPush ask for a push token, so an existence check before an upload shares its token
     */
    public record BlobExists(RepositoryName repository, Digest digest, boolean forPush) implements Endpoint<OptionalLong> {
        @Override
        public String method() {
            return "HEAD";
        }

        @Override
        public String target() {
            return "/v2/" + repository + "/blobs/" + digest;
        }

        @Override
        public List<Scope> scopes() {
            return List.of(forPush ? Scope.push(repository) : Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "blob " + registry + "/" + repository + "@" + digest;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200 || status == 404;
        }

        @Override
        public OptionalLong read(Response response) throws IOException {
            response.body().close();
            if (response.status() == 404) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(response.contentLength().orElse(-1));
        }
    }

    /**
     * {@code GET /v2/<name>/blobs/<digest>}, from {@code offset} on. Yields the open body: the
     * caller reads, verifies and closes it.
     */
    public record GetBlob(RepositoryName repository, Digest digest, long offset) implements Endpoint<BlobStream> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return "/v2/" + repository + "/blobs/" + digest;
        }

        @Override
        public Map<String, String> headers() {
            return offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "blob " + registry + "/" + repository + "@" + digest;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200 || status == 206;
        }

        @Override
        public BlobStream read(Response response) throws IOException {
            long start = 0;
            if (response.status() == 206) {
                start = response.header("Content-Range").map(Endpoints::contentRangeStart).orElse(-1L);
                if (start != offset) {
                    response.body().close();
                    throw new RegistryException.ProtocolError("asked for " + describe("") + " from byte " + offset
                            + " but got Content-Range " + response.header("Content-Range").orElse("(none)"), null);
                }
            }
            return new BlobStream(response.body(), start, response.contentLength().orElse(-1));
        }
    }

    /** An open blob body. */
    public record BlobStream(InputStream body, long offset, long length) {
    }

    // ---- uploads ---------------------------------------------------------------------------

    /**
     * {@code POST /v2/<name>/blobs/uploads/}, optionally as a cross-repository mount
     * ({@code ?mount=<digest>&from=<repository>}): a registry that cannot mount opens a session.
     */
    public record StartUpload(RepositoryName repository, Digest mount, RepositoryName from) implements Endpoint<UploadSession> {
        public StartUpload(RepositoryName repository) {
            this(repository, null, null);
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String target() {
            String path = "/v2/" + repository + "/blobs/uploads/";
            return mount == null ? path : path + "?mount=" + enc(mount.toString()) + "&from=" + enc(from.value());
        }

        @Override
        public List<Scope> scopes() {
            return mount == null ? List.of(Scope.push(repository)) : List.of(Scope.push(repository), Scope.pull(from));
        }

        @Override
        public RequestBody body() {
            return RequestBody.empty();
        }

        @Override
        public String describe(String registry) {
            return "upload to " + registry + "/" + repository;
        }

        @Override
        public boolean accepts(int status) {
            return status == 201 || status == 202;
        }

        @Override
        public UploadSession read(Response response) throws IOException {
            response.body().close();
            if (response.status() == 201) {
                return UploadSession.MOUNTED;
            }
            URI location = response.resolvedHeader("Location").orElseThrow(() ->
                    new RegistryException.ProtocolError("upload session without a Location header", null));
            OptionalLong min = OptionalLong.empty();
            String value = response.header("OCI-Chunk-Min-Length").orElse(null);
            if (value != null) {
                try {
                    min = OptionalLong.of(Long.parseLong(value.trim()));
                } catch (NumberFormatException e) {
                    // ignore a malformed hint
                }
            }
            return new UploadSession(location, 0, min);
        }
    }

    /**
     * {@code PATCH <location>}: appends a chunk starting at {@code offset} ({@code Content-Range}
     * when the length is known; a streamed chunk otherwise).
     */
    public record UploadChunk(RepositoryName repository, UploadSession session, RequestBody body)
            implements Endpoint<UploadSession> {
        @Override
        public String method() {
            return "PATCH";
        }

        @Override
        public String target() {
            return session.location().toString();
        }

        @Override
        public Map<String, String> headers() {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", "application/octet-stream");
            if (body.length() > 0) {
                h.put("Content-Range", session.offset() + "-" + (session.offset() + body.length() - 1));
            }
            return h;
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "upload to " + registry + "/" + repository;
        }

        @Override
        public boolean accepts(int status) {
            return status == 202 || status == 204;
        }

        @Override
        public UploadSession read(Response response) throws IOException {
            response.body().close();
            URI next = response.resolvedHeader("Location").orElse(session.location());
            long offset = response.header("Range").map(Endpoints::rangeEnd)
                    .orElse(body.length() >= 0 ? session.offset() + body.length() : -1L);
            return new UploadSession(next, offset, session.minChunk());
        }
    }

    /** {@code PUT <location>?digest=}: the optional last bytes, then the registry verifies and publishes. */
    public record FinishUpload(RepositoryName repository, UploadSession session, Digest digest, RequestBody body)
            implements Endpoint<Digest> {
        @Override
        public String method() {
            return "PUT";
        }

        @Override
        public String target() {
            String location = session.location().toString();
            return location + (session.location().getRawQuery() == null ? "?" : "&") + "digest=" + enc(digest.toString());
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Content-Type", "application/octet-stream");
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "blob " + registry + "/" + repository + "@" + digest;
        }

        @Override
        public boolean accepts(int status) {
            return status == 201 || status == 204;
        }

        @Override
        public Digest read(Response response) throws IOException {
            response.body().close();
            return digest;
        }
    }

    /** {@code GET <location>}: how many bytes the session holds, to resume after a failure. */
    public record UploadStatus(RepositoryName repository, UploadSession session) implements Endpoint<UploadSession> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return session.location().toString();
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "upload to " + registry + "/" + repository;
        }

        @Override
        public boolean accepts(int status) {
            return status == 204 || status == 200;
        }

        @Override
        public UploadSession read(Response response) throws IOException {
            response.body().close();
            URI next = response.resolvedHeader("Location").orElse(session.location());
            long offset = response.header("Range").map(Endpoints::rangeEnd).orElse(0L);
            return new UploadSession(next, offset, session.minChunk());
        }
    }

    /** {@code DELETE <location>}: abandons a session; a session already gone is fine. */
    public record CancelUpload(RepositoryName repository, UploadSession session) implements Endpoint<Void> {
        @Override
        public String method() {
            return "DELETE";
        }

        @Override
        public String target() {
            return session.location().toString();
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "upload to " + registry + "/" + repository;
        }

        @Override
        public boolean accepts(int status) {
            return status == 204 || status == 202 || status == 200 || status == 404;
        }

        @Override
        public Void read(Response response) throws IOException {
            response.body().close();
            return null;
        }
    }

    /**
     * Where an upload stands.
     *
     * @param location the URL of the next request ({@code null} once the blob was mounted)
     * @param offset   how many bytes the registry holds
     * @param minChunk the registry's {@code OCI-Chunk-Min-Length}, when it sent one
     */
    public record UploadSession(URI location, long offset, OptionalLong minChunk) {
        /** A mount that succeeded: no session, nothing to upload. */
        public static final UploadSession MOUNTED = new UploadSession(null, -1, OptionalLong.empty());

        public boolean mounted() {
            return location == null;
        }

        public UploadSession at(long newOffset) {
            return new UploadSession(location, newOffset, minChunk);
        }
    }

    // ---- manifests -------------------------------------------------------------------------

    /** {@code HEAD /v2/<name>/manifests/<reference>}: the manifest's descriptor, without its bytes. */
    public record ResolveManifest(RepositoryName repository, Reference reference) implements Endpoint<Descriptor> {
        @Override
        public String method() {
            return "HEAD";
        }

        @Override
        public String target() {
            return manifestPath(repository, reference);
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Accept", MediaTypes.ACCEPT_ANY_MANIFEST);
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "manifest " + display(registry, repository, reference);
        }

        @Override
        public boolean accepts(int status) {
            return status == 200;
        }

        @Override
        public Descriptor read(Response response) throws IOException {
            response.body().close();
            String digest = response.header("Docker-Content-Digest").orElse(null);
            if (digest == null) {
                if (reference.digestOrNull() == null) {
                    throw new RegistryException.ProtocolError("the registry sent no Docker-Content-Digest for "
                            + describe(""), null);
                }
                digest = reference.digestOrNull().toString();
            }
            return new Descriptor(MediaTypes.essence(response.header("Content-Type").orElse(null)), parseDigest(digest),
                    response.contentLength().orElse(-1));
        }
    }

    /**
     * {@code HEAD /v2/<name>/manifests/<digest>}: whether the repository holds the manifest (a 404
     * is an answer, not an error). Asks for a push token, as it precedes a copy.
     */
    public record ManifestExists(RepositoryName repository, Digest digest) implements Endpoint<Boolean> {
        @Override
        public String method() {
            return "HEAD";
        }

        @Override
        public String target() {
            return manifestPath(repository, new Reference.ByDigest(digest));
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Accept", MediaTypes.ACCEPT_ANY_MANIFEST);
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "manifest " + display(registry, repository, new Reference.ByDigest(digest));
        }

        @Override
        public boolean accepts(int status) {
            return status == 200 || status == 404;
        }

        @Override
        public Boolean read(Response response) throws IOException {
            response.body().close();
            return response.status() == 200;
        }
    }

    /**
     * {@code GET /v2/<name>/manifests/<reference>}: the manifest's exact bytes, verified against the
     * digest asked for (or the one the registry announces).
     */
    public record GetManifest(RepositoryName repository, Reference reference) implements Endpoint<ManifestPayload> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return manifestPath(repository, reference);
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Accept", MediaTypes.ACCEPT_ANY_MANIFEST);
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "manifest " + display(registry, repository, reference);
        }

        @Override
        public boolean accepts(int status) {
            return status == 200;
        }

        @Override
        public ManifestPayload read(Response response) throws IOException {
            byte[] bytes = response.bytes(MAX_DOCUMENT);
            Digest expected = reference.digestOrNull();
            if (expected == null) {
                String announced = response.header("Docker-Content-Digest").orElse(null);
                expected = announced == null ? null : parseDigest(announced);
            }
            DigestAlgorithm algorithm = expected == null ? DigestAlgorithm.SHA256 : expected.algorithm();
            Digest actual = Digest.of(algorithm, bytes);
            if (expected != null && !expected.equals(actual)) {
                throw new RegistryException.IntegrityFailure(describe("") + ": the registry sent content with digest "
                        + actual + ", not " + expected);
            }
            try {
                return ManifestPayload.parse(bytes, response.header("Content-Type").orElse(null), algorithm);
            } catch (OciException e) {
                throw new RegistryException.ProtocolError("unusable " + describe("") + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * {@code PUT /v2/<name>/manifests/<reference>}.
     */
    public record PutManifest(RepositoryName repository, Reference reference, ManifestPayload manifest)
            implements Endpoint<PutManifestResult> {
        @Override
        public String method() {
            return "PUT";
        }

        @Override
        public String target() {
            return manifestPath(repository, reference);
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Content-Type", manifest.mediaType());
        }

        @Override
        public RequestBody body() {
            return RequestBody.of(manifest.bytes());
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.push(repository));
        }

        @Override
        public String describe(String registry) {
            return "manifest " + display(registry, repository, reference);
        }

        @Override
        public boolean accepts(int status) {
            return status == 201 || status == 200 || status == 202;
        }

        @Override
        public PutManifestResult read(Response response) throws IOException {
            response.body().close();
            return new PutManifestResult(manifest.digest(), response.header("OCI-Subject").isPresent());
        }
    }

    /**
     * @param digest          the manifest's digest
     * @param subjectRecorded the registry answered {@code OCI-Subject}: it indexes referrers itself
     */
    public record PutManifestResult(Digest digest, boolean subjectRecorded) {
    }

    /** {@code DELETE /v2/<name>/manifests/<reference>}: a manifest by digest, or a tag. */
    public record DeleteManifest(RepositoryName repository, Reference reference) implements Endpoint<Void> {
        @Override
        public String method() {
            return "DELETE";
        }

        @Override
        public String target() {
            return manifestPath(repository, reference);
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.delete(repository));
        }

        @Override
        public String describe(String registry) {
            return "manifest " + display(registry, repository, reference);
        }

        @Override
        public boolean accepts(int status) {
            return status == 202 || status == 200 || status == 204;
        }

        @Override
        public Void read(Response response) throws IOException {
            response.body().close();
            return null;
        }
    }

    // ---- lists -----------------------------------------------------------------------------

    /** {@code GET /v2/<name>/tags/list}, one page; {@code next} is the previous page's link. */
    public record ListTags(RepositoryName repository, String next) implements Endpoint<Page<String>> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return next != null ? next : "/v2/" + repository + "/tags/list";
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "repository " + registry + "/" + repository;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200;
        }

        @Override
        public Page<String> read(Response response) throws IOException {
            return new Page<>(strings(json(response), "tags"), nextLink(response));
        }
    }

    /** {@code GET /v2/_catalog}, one page. */
    public record Catalog(String next) implements Endpoint<Page<String>> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            return next != null ? next : "/v2/_catalog";
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.catalog());
        }

        @Override
        public String describe(String registry) {
            return "catalog of " + registry;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200;
        }

        @Override
        public Page<String> read(Response response) throws IOException {
            return new Page<>(strings(json(response), "repositories"), nextLink(response));
        }
    }

    /**
     * {@code GET /v2/<name>/referrers/<digest>}, one page. A registry without the API answers 404:
     * the page then says {@code supported == false}, and the caller falls back to the tag schema.
     */
    public record Referrers(RepositoryName repository, Digest subject, String artifactType, String next)
            implements Endpoint<ReferrersPage> {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String target() {
            if (next != null) {
                return next;
            }
            String path = "/v2/" + repository + "/referrers/" + subject;
            return artifactType == null ? path : path + "?artifactType=" + enc(artifactType);
        }

        @Override
        public Map<String, String> headers() {
            return Map.of("Accept", MediaTypes.OCI_INDEX);
        }

        @Override
        public List<Scope> scopes() {
            return List.of(Scope.pull(repository));
        }

        @Override
        public String describe(String registry) {
            return "referrers of " + registry + "/" + repository + "@" + subject;
        }

        @Override
        public boolean accepts(int status) {
            return status == 200 || status == 404;
        }

        @Override
        public ReferrersPage read(Response response) throws IOException {
            if (response.status() == 404) {
                response.body().close();
                return new ReferrersPage(List.of(), null, false, false);
            }
            byte[] bytes = response.bytes(MAX_DOCUMENT);
            ManifestPayload index;
            try {
                index = ManifestPayload.parse(bytes, MediaTypes.OCI_INDEX);
            } catch (OciException e) {
                throw new RegistryException.ProtocolError("unusable " + describe("") + ": " + e.getMessage(), e);
            }
            boolean filtered = response.header("OCI-Filters-Applied").map(v -> v.contains("artifactType")).orElse(false);
            return new ReferrersPage(index.manifests(), nextLink(response), true, filtered);
        }
    }

    /** One page of a list, with the link to the next page (or null). */
    public record Page<T>(List<T> items, String next) {
    }

    /**
     * @param referrers descriptors of the manifests that refer to the subject
     * @param next      the next page's link, or null
     * @param supported false when the registry has no referrers API
     * @param filtered  the registry applied the artifactType filter itself
     */
    public record ReferrersPage(List<Descriptor> referrers, String next, boolean supported, boolean filtered) {
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String manifestPath(RepositoryName repository, Reference reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    /** {@code host/repo:tag} or {@code host/repo@digest}. */
    static String display(String registry, RepositoryName repository, Reference reference) {
        String prefix = registry == null || registry.isEmpty() ? "" : registry + "/";
        return prefix + repository + (reference.digestOrNull() != null ? "@" : ":") + reference;
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static Digest parseDigest(String value) {
        try {
            return Digest.parse(value.trim());
        } catch (OciException e) {
            throw new RegistryException.ProtocolError("the registry sent an unusable digest: " + value, e);
        }
    }

    /** The offset after the last byte of an upload {@code Range: 0-<last>} (or {@code bytes=0-<last>}). */
    public static long rangeEnd(String range) {
        String v = range.trim();
        if (v.startsWith("bytes=")) {
            v = v.substring(6);
        }
        int dash = v.indexOf('-');
        try {
            long first = Long.parseLong(v.substring(0, dash).trim());
            long last = Long.parseLong(v.substring(dash + 1).trim());
            // distribution reports an empty session as 0-0
            return first == 0 && last == 0 ? 0 : last + 1;
        } catch (RuntimeException e) {
            throw new RegistryException.ProtocolError("malformed upload Range header: " + range, e);
        }
    }

    /** The first byte of a {@code Content-Range: bytes <first>-<last>/<total>}. */
    static long contentRangeStart(String value) {
        Matcher m = Pattern.compile("bytes\\s+(\\d+)-").matcher(value);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String nextLink(Response response) {
        for (String value : response.headers().allValues("Link")) {
            Matcher m = NEXT_LINK.matcher(value);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    private static JsonNode json(Response response) throws IOException {
        byte[] bytes = response.bytes(MAX_DOCUMENT);
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new RegistryException.ProtocolError("the registry sent malformed JSON from " + response.uri(), e);
        }
    }

    private static List<String> strings(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        JsonNode array = node == null ? null : node.get(field);
        if (array != null && array.isArray()) {
            array.forEach(v -> out.add(v.asString()));
        }
        return out;
    }
}
