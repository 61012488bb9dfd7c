package dev.wharf.server.tag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The tag list's version (V10) and the pages a replica keeps by it ({@link TagPages}): two
 * replicas on one database; one keeps reading the same pages while the other adds, moves and
 * removes tags, deletes manifests and the repository itself. Every answer is the database's
 * current list, never a page read before the change.
 */
class TagListVersionIT {

    private static TestDatabases.Database db;
    private static RegistryServer writer;
    private static RegistryServer reader;
    private static RegistryHttp write;
    private static RegistryHttp read;
    private static JdbcClient sql;

    @BeforeAll
    static void start() {
        db = TestDatabases.create();
        writer = RegistryServer.start(db, Map.of());
        reader = RegistryServer.start(db, Map.of());
        write = new RegistryHttp(writer.base());
        read = new RegistryHttp(reader.base());
        sql = JdbcClient.create(new DriverManagerDataSource(db.url(), db.user(), db.password()));
    }

    @AfterAll
    static void stop() {
        reader.close();
        writer.close();
    }

    private static List<String> tags(RegistryHttp via, String path) {
        HttpResponse<byte[]> response = via.get(path);
        RegistryHttp.check(response, 200);
        List<String> out = new ArrayList<>();
        RegistryHttp.json(response).path("tags").forEach(t -> out.add(t.asString()));
        return out;
    }

    private static List<String> listed(String repository) {
        // twice: the second answer is the kept page when nothing changed in between
        List<String> first = tags(read, "/v2/" + repository + "/tags/list");
        assertThat(tags(read, "/v2/" + repository + "/tags/list")).isEqualTo(first);
        return first;
    }

    private static long version(String repository) {
        return sql.sql("""
                        SELECT coalesce(v.version, 0) FROM repositories r
                        LEFT JOIN tag_list_versions v ON v.repository_id = r.id WHERE r.name = :name""")
                .param("name", repository).query(Long.class).single();
    }

    private static void tag(String repository, byte[] manifest, String tag) {
        RegistryHttp.check(write.putManifest(repository, tag, MediaTypes.OCI_MANIFEST, manifest), 201);
    }

    @Test
    void aReplicaListsWhatAnotherChangedAtOnce() {
        String repository = TestData.repository("listed");
        byte[] one = write.pushImage(repository, "v1", 1);
        assertThat(listed(repository)).containsExactly("v1");

        tag(repository, one, "v2");
        assertThat(listed(repository)).containsExactly("v1", "v2");

        RegistryHttp.check(write.delete("/v2/" + repository + "/manifests/v1"), 202);
        assertThat(listed(repository)).containsExactly("v2");

        byte[] two = write.pushImage(repository, "v3", 1);
        tag(repository, two, "v4");
        assertThat(listed(repository)).containsExactly("v2", "v3", "v4");

        // deleting a manifest takes its tags with it (the foreign key's cascade)
        RegistryHttp.check(write.delete("/v2/" + repository + "/manifests/" + Digest.sha256(two)), 202);
        assertThat(listed(repository)).containsExactly("v2");
    }

    @Test
    void pagesAfterAChangeAreReadAgainAndTheirLinksFollowIt() {
        String repository = TestData.repository("paged");
        byte[] manifest = write.pushImage(repository, "b", 0);
        tag(repository, manifest, "d");
        String firstPage = "/v2/" + repository + "/tags/list?n=1";
        assertThat(tags(read, firstPage)).containsExactly("b");
        assertThat(tags(read, firstPage + "&last=b")).containsExactly("d");

        tag(repository, manifest, "a");
        tag(repository, manifest, "c");
        HttpResponse<byte[]> page = read.get(firstPage);
        assertThat(tags(read, firstPage)).containsExactly("a");
        assertThat(Responses.nextLink(page)).isEqualTo("/v2/" + repository + "/tags/list?n=1&last=a");
        assertThat(tags(read, firstPage + "&last=b")).containsExactly("c");
        assertThat(tags(read, "/v2/" + repository + "/tags/list?n=0")).isEmpty();
    }

    @Test
    void theVersionChangesWhenATagIsAddedOrRemovedNotWhenItMoves() {
        String repository = TestData.repository("versioned");
        byte[] one = write.pushImage(repository, "latest", 0);
        long created = version(repository);
        assertThat(created).isPositive();

        byte[] two = write.pushImage(repository, "other", 0);
        long added = version(repository);
        assertThat(added).isGreaterThan(created);

        tag(repository, two, "latest"); // moves from the first manifest to the second
        tag(repository, two, "latest"); // and again to the same: nothing changes
        RegistryHttp.check(write.putManifest(repository, Digest.sha256(one).toString(), MediaTypes.OCI_MANIFEST, one), 201);
        assertThat(version(repository)).as("a moved tag keeps its name, and the list").isEqualTo(added);
        assertThat(listed(repository)).containsExactly("latest", "other");

        RegistryHttp.check(write.delete("/v2/" + repository + "/manifests/other"), 202);
        assertThat(version(repository)).isGreaterThan(added);
        assertThat(listed(repository)).containsExactly("latest");
    }

    @Test
    void aRepositoryDeletedAndMadeAgainUnderItsNameListsOnlyItsNewTags() {
        String repository = TestData.repository("remade");
        write.pushImage(repository, "old", 0);
        assertThat(listed(repository)).containsExactly("old");

        int deleted = sql.sql("DELETE FROM repositories WHERE name = :name").param("name", repository).update();
        assertThat(deleted).isOne();
        assertThat(sql.sql("SELECT count(*) FROM tag_list_versions v WHERE NOT EXISTS "
                + "(SELECT 1 FROM repositories r WHERE r.id = v.repository_id)").query(Long.class).single())
                .as("the version went with its repository").isZero();
        HttpResponse<byte[]> gone = read.get("/v2/" + repository + "/tags/list");
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(gone)).isEqualTo("NAME_UNKNOWN");

        write.pushImage(repository, "new", 0);
        assertThat(listed(repository)).containsExactly("new");
    }
}
