package dev.wharf.client.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.net.URI;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EndpointsTests {

    private static final RepositoryName REPO = RepositoryName.of("team/app");
    private static final Digest DIGEST = Digest.sha256(new byte[0]);

    @Test
    void eachStepNamesItsRequestAndScopes() {
        var head = new Endpoints.BlobExists(REPO, DIGEST, true);
        assertThat(head.method()).isEqualTo("HEAD");
        assertThat(head.target()).isEqualTo("/v2/team/app/blobs/" + DIGEST);
        assertThat(head.scopes()).containsExactly(Scope.push(REPO));
        assertThat(head.accepts(404)).isTrue();

        var mount = new Endpoints.StartUpload(REPO, DIGEST, RepositoryName.of("other/app"));
        assertThat(mount.target()).isEqualTo("/v2/team/app/blobs/uploads/?mount=sha256%3A" + DIGEST.hex() + "&from=other%2Fapp");
        assertThat(mount.scopes()).containsExactly(Scope.push(REPO), Scope.pull(RepositoryName.of("other/app")));

        var delete = new Endpoints.DeleteManifest(REPO, Tag.of("v1"));
        assertThat(delete.scopes()).containsExactly(Scope.delete(REPO));
        assertThat(delete.describe("h:1")).isEqualTo("manifest h:1/team/app:v1");
    }

    @Test
    void chunksCarryTheirContentRangeAndTheClosingPutTheDigest() {
        var session = new Endpoints.UploadSession(URI.create("http://h/v2/team/app/blobs/uploads/u?_state=x"), 1024,
                OptionalLong.empty());
        var chunk = new Endpoints.UploadChunk(REPO, session, RequestBody.of(new byte[512]));
        assertThat(chunk.headers()).containsEntry("Content-Range", "1024-1535");
        assertThat(chunk.retryable()).isTrue();
        var finish = new Endpoints.FinishUpload(REPO, session, DIGEST, RequestBody.empty());
        assertThat(finish.target()).isEqualTo("http://h/v2/team/app/blobs/uploads/u?_state=x&digest=sha256%3A" + DIGEST.hex());
        var streamed = new Endpoints.UploadChunk(REPO, session, RequestBody.stream(java.io.InputStream.nullInputStream(), -1));
        assertThat(streamed.headers()).doesNotContainKey("Content-Range");
        assertThat(streamed.retryable()).isFalse();
    }

    @Test
    void nextPageLinksAreFound() {
        var headers = java.net.http.HttpHeaders.of(
                java.util.Map.of("Link", List.of("</v2/team/app/tags/list?n=2&last=b>; rel=\"next\"")), (a, b) -> true);
        Response r = new Response(200, headers, java.io.InputStream.nullInputStream(), URI.create("http://h/"));
        assertThat(Endpoints.nextLink(r)).isEqualTo("/v2/team/app/tags/list?n=2&last=b");
    }
}
