package dev.wharf.server.referrers;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.manifest.Manifests;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v2/<name>/referrers/<digest>}: an OCI image index of the repository's manifests whose
 * {@code subject} is that digest, optionally filtered by {@code artifactType}. Never 404: a digest
 * nothing refers to (or an unknown repository) gives an empty index.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers">spec: Listing Referrers</a>
 */
@Component
public class ReferrersEndpoint {

    /** Referrers per response; more follow through the {@code Link} header. */
    static final int PAGE = 1000;

    /** The response body: an image index. */
    public record Index(int schemaVersion, String mediaType, List<Entry> manifests) {
    }

    /** One referrer. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Entry(String mediaType, String digest, long size, String artifactType,
                        Map<String, String> annotations) {
    }

    private final Manifests manifests;

    public ReferrersEndpoint(Manifests manifests) {
        this.manifests = manifests;
    }

    public ResponseEntity<Index> list(RepositoryName repository, Digest subject, String artifactType, String last) {
        String filter = artifactType == null || artifactType.isEmpty() ? null : artifactType;
        if (last != null && !last.isEmpty()) {
            last = Digest.parse(last).toString();
        }
        List<Manifests.Referrer> rows = manifests.referrers(repository, subject, filter, last, PAGE + 1);
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, MediaTypes.OCI_INDEX);
        if (filter != null) {
            headers.set("OCI-Filters-Applied", "artifactType");
        }
        if (rows.size() > PAGE) {
            rows = rows.subList(0, PAGE);
            String next = "/v2/" + repository + "/referrers/" + subject + "?last=" + rows.get(PAGE - 1).digest()
                    + (filter == null ? "" : "&artifactType=" + URLEncoder.encode(filter, StandardCharsets.UTF_8));
            headers.add(HttpHeaders.LINK, "<" + next + ">; rel=\"next\"");
        }
        List<Entry> entries = rows.stream()
                .map(r -> new Entry(r.mediaType(), r.digest().toString(), r.size(), r.artifactType(), r.annotations()))
                .toList();
        return ResponseEntity.ok().headers(headers).body(new Index(2, MediaTypes.OCI_INDEX, entries));
    }
}
