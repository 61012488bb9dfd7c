package dev.wharf.server.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.server.catalog.RepositoryListing;
import dev.wharf.server.tag.TagListing;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pulls are counted in memory and reach PostgreSQL with the next flush: GETs count, HEADs do not. */
class PullCounterIT {

    private static final RegistryServer server = RegistryServer.shared();
    private static final RegistryHttp http = new RegistryHttp(server.base());

    @Test
    void manifestGetsAreCountedPerRepositoryAndStampTheTagTheyNamed() {
        String repo = TestData.repository("pulls");
        byte[] manifest = http.pushImage(repo, "v1", 1);
        PullCounter counter = server.bean(PullCounter.class);
        counter.flush();

        for (int i = 0; i < 3; i++) {
            RegistryHttp.check(http.get("/v2/" + repo + "/manifests/v1", "Accept", MediaTypes.OCI_MANIFEST), 200);
        }
        RegistryHttp.check(http.get("/v2/" + repo + "/manifests/" + Digest.sha256(manifest), "Accept",
                MediaTypes.OCI_MANIFEST), 200);
        RegistryHttp.check(http.head("/v2/" + repo + "/manifests/v1", "Accept", MediaTypes.OCI_MANIFEST), 200);
        counter.flush();

        // a scheduled flush may be writing the same counts at this moment: poll, with a deadline
        RepositoryListing listing = server.bean(RepositoryListing.class);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (listing.summary(repo).orElseThrow().pulls() < 4 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        RepositoryListing.Summary summary = listing.summary(repo).orElseThrow();
        assertThat(summary.pulls()).isEqualTo(4);
        List<TagListing.TagRow> tags = server.bean(TagListing.class).page(summary.id(), null, 10);
        assertThat(tags).singleElement().satisfies(t -> assertThat(t.lastPulledAt()).isNotNull());
        assertThat(summary.pushedAt()).isNotNull();
    }
}
