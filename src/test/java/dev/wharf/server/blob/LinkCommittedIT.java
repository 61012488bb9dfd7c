package dev.wharf.server.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link BlobLinks#linkCommitted}, what a replication import and a pull-through fetch link their
 * blobs with: bytes the collector (or its inventory sweep) removed between the writer's commit and
 * the link are published again before the link commits, so a linked blob always has its bytes.
 */
class LinkCommittedIT {

    private static RegistryServer server;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(Map.of("wharf.gc.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /**
     * Stores {@code content} as a replication import or a pull-through fetch does, runs
     * {@code beforeLink} between the commit and the link, and links it into {@code repository}.
     */
    private static void storeAndLink(RepositoryName repository, byte[] content, Step beforeLink) throws Exception {
        BlobStore store = server.bean(BlobStore.class);
        Digest digest = Digest.sha256(content);
        BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), digest.algorithm());
        try {
            writer.append(new ByteArrayInputStream(content));
            writer.commit(digest);
            beforeLink.run();
            server.bean(BlobLinks.class).linkCommitted(() -> server.bean(Repositories.class).ensure(repository),
                    digest, content.length, writer);
        } finally {
            writer.abort();
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    @Test
    void bytesRemovedBetweenTheCommitAndTheLinkArePublishedAgain() throws Exception {
        BlobStore store = server.bean(BlobStore.class);
        RepositoryName repository = RepositoryName.of(TestData.repository("linked"));
        byte[] content = TestData.random(70_000);
        Digest digest = Digest.sha256(content);

        storeAndLink(repository, content, () -> {
            store.delete(digest); // what the collector's inventory sweep does to bytes without a row
            assertThat(store.stat(digest)).isEmpty();
        });

        assertThat(store.stat(digest)).hasValue(content.length);
        HttpResponse<byte[]> get = new RegistryHttp(server.base()).get("/v2/" + repository + "/blobs/" + digest);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);
    }

    @Test
    void aBlobLinkedAlreadyIsLinkedOnceAndKeepsItsBytes() throws Exception {
        RepositoryName repository = RepositoryName.of(TestData.repository("twice"));
        byte[] content = TestData.random(5_000);
        Digest digest = Digest.sha256(content);

        storeAndLink(repository, content, () -> { });
        storeAndLink(repository, content, () -> { });

        assertThat(server.bean(BlobLinks.class).sizeIn(repository, digest)).hasValue(content.length);
        assertThat(new RegistryHttp(server.base()).get("/v2/" + repository + "/blobs/" + digest).body()).isEqualTo(content);
    }
}
