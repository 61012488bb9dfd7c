package dev.wharf.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestDatabases;
import dev.wharf.testing.Tools;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The migrations in db-migrations/ against real PostgreSQL: the embedded server, or in CI the
 * system PostgreSQL .ci/run installs (WHARF_TEST_DATABASE_URL).
 */
class MigrationsIT {

    private static JdbcClient migrated() {
        return JdbcClient.create(migratedDataSource());
    }

    private static DriverManagerDataSource migratedDataSource() {
        TestDatabases.Database db = TestDatabases.create();
        DriverManagerDataSource ds = new DriverManagerDataSource(db.url(), db.user(), db.password());
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        return ds;
    }

    @Test
    void ciRunsAgainstTheSystemPostgresql() {
        if (Tools.ci()) {
            assertThat(TestDatabases.external())
                    .as("CI must set WHARF_TEST_DATABASE_URL to the system PostgreSQL").isTrue();
        }
        JdbcClient jdbc = migrated();
        assertThat(jdbc.sql("SELECT version()").query(String.class).single()).startsWith("PostgreSQL");
    }

    @Test
    void migrationsCreateTheRegistrySchema() {
        JdbcClient jdbc = migrated();
        List<String> tables = jdbc.sql("""
                SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name""")
                .query(String.class).list();
        assertThat(tables).contains("repositories", "blobs", "repository_blobs", "manifests", "manifest_blobs",
                "manifest_children", "tags", "upload_sessions", "gc_manifest_reviews", "gc_link_reviews",
                "gc_blob_reviews", "gc_jobs", "namespace_policies", "namespace_digests");
    }

    @Test
    void everyReferenceTableIsIndexedByWhatItPointsAt() {
        JdbcClient jdbc = migrated();
        List<String> indexes = jdbc.sql("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")
                .query(String.class).list();
        // "is this blob used anywhere?" must be index lookups, for online garbage collection
        assertThat(indexes).anyMatch(i -> i.contains("ON public.repository_blobs USING btree (digest"));
        assertThat(indexes).anyMatch(i -> i.contains("ON public.manifest_blobs USING btree (digest"));
        assertThat(indexes).anyMatch(i -> i.contains("ON public.manifest_children USING btree (child_digest"));
        assertThat(indexes).anyMatch(i -> i.contains("ON public.tags USING btree (manifest_id"));
        assertThat(indexes).anyMatch(i -> i.contains("ON public.manifests USING btree (repository_id, subject_digest"));
        // the collector claims the most overdue reviews first
        for (String queue : List.of("gc_manifest_reviews", "gc_link_reviews", "gc_blob_reviews")) {
            assertThat(indexes).anyMatch(i -> i.contains("ON public." + queue + " USING btree (queued_at)"));
        }
    }

    @Test
    void contentStoredBeforeGarbageCollectionExistedIsQueuedForReview() {
        DriverManagerDataSource ds = new DriverManagerDataSource();
        TestDatabases.Database db = TestDatabases.create();
        ds.setUrl(db.url());
        ds.setUsername(db.user());
        ds.setPassword(db.password());
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("4").load().migrate();
        JdbcClient jdbc = JdbcClient.create(ds);
        jdbc.sql("INSERT INTO repositories (name) VALUES ('old/app')").update();
        jdbc.sql("INSERT INTO blobs (digest, size) VALUES ('sha256:used', 1), ('sha256:unused', 1), ('sha256:orphan', 1)")
                .update();
        jdbc.sql("INSERT INTO repository_blobs (repository_id, digest) SELECT id, d FROM repositories,"
                + " unnest(ARRAY['sha256:used', 'sha256:unused']) d").update();
        jdbc.sql("INSERT INTO manifests (repository_id, digest, media_type, content) SELECT id, m, 't', '\\x7b7d'"
                + " FROM repositories, unnest(ARRAY['sha256:tagged', 'sha256:untagged']) m").update();
        jdbc.sql("INSERT INTO manifest_blobs (manifest_id, digest) SELECT id, 'sha256:used' FROM manifests"
                + " WHERE digest = 'sha256:tagged'").update();
        jdbc.sql("INSERT INTO tags (repository_id, name, manifest_id) SELECT repository_id, 'v1', id FROM manifests"
                + " WHERE digest = 'sha256:tagged'").update();

        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();

        assertThat(jdbc.sql("SELECT digest FROM gc_manifest_reviews").query(String.class).list())
                .containsExactly("sha256:untagged");
        assertThat(jdbc.sql("SELECT digest FROM gc_link_reviews").query(String.class).list())
                .containsExactly("sha256:unused");
        assertThat(jdbc.sql("SELECT digest FROM gc_blob_reviews").query(String.class).list())
                .containsExactly("sha256:orphan");
    }

    @Test
    void usageOfContentStoredBeforeQuotasExistedIsCountedOncePerDistinctDigest() {
        TestDatabases.Database db = TestDatabases.create();
        DriverManagerDataSource ds = new DriverManagerDataSource(db.url(), db.user(), db.password());
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("8").load().migrate();
        JdbcClient jdbc = JdbcClient.create(ds);
        jdbc.sql("INSERT INTO repositories (name) VALUES ('acme/a'), ('acme/b'), ('acme'), ('other/x')").update();
        jdbc.sql("INSERT INTO blobs (digest, size) VALUES ('sha256:l1', 100), ('sha256:l2', 20), ('sha256:lone', 7)").update();
        // l1 in three repositories of acme, l2 in one, lone only in other
        jdbc.sql("INSERT INTO repository_blobs (repository_id, digest) SELECT id, 'sha256:l1' FROM repositories"
                + " WHERE name LIKE 'acme%'").update();
        jdbc.sql("INSERT INTO repository_blobs (repository_id, digest) SELECT id, 'sha256:l2' FROM repositories"
                + " WHERE name = 'acme/a'").update();
        jdbc.sql("INSERT INTO repository_blobs (repository_id, digest) SELECT id, 'sha256:lone' FROM repositories"
                + " WHERE name = 'other/x'").update();
        // one manifest (3 bytes) in two repositories of acme
        jdbc.sql("INSERT INTO manifests (repository_id, digest, media_type, content) SELECT id, 'sha256:m', 't', '\\x7b207d'"
                + " FROM repositories WHERE name IN ('acme/a', 'acme/b')").update();

        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();

        assertThat(jdbc.sql("SELECT namespace || '=' || used_bytes FROM namespace_policies ORDER BY namespace")
                .query(String.class).list()).containsExactly("acme=123", "other=7");
        assertThat(jdbc.sql("SELECT digest || ':' || refs FROM namespace_digests WHERE namespace = 'acme' ORDER BY digest")
                .query(String.class).list()).containsExactly("sha256:l1:3", "sha256:l2:1", "sha256:m:2");
        // and from then on the triggers keep it: a repository's deletion counts down what only it held
        jdbc.sql("DELETE FROM repositories WHERE name = 'acme/a'").update();
        assertThat(jdbc.sql("SELECT used_bytes FROM namespace_policies WHERE namespace = 'acme'").query(Long.class)
                .single()).isEqualTo(103);
    }

    @Test
    void blobUsageQueryIsAnIndexScan() throws java.sql.SQLException {
        // SET is per connection: both statements must run on the same one
        JdbcClient jdbc = JdbcClient.create(new org.springframework.jdbc.datasource.SingleConnectionDataSource(
                migratedDataSource().getConnection(), true));
        jdbc.sql("SET enable_seqscan = off").update();
        assertThat(jdbc.sql("SHOW enable_seqscan").query(String.class).single()).isEqualTo("off");
        String plan = String.join("\n", jdbc.sql("""
                EXPLAIN SELECT 1 FROM manifest_blobs WHERE digest = 'sha256:x'
                UNION ALL SELECT 1 FROM repository_blobs WHERE digest = 'sha256:x'""").query(String.class).list());
        assertThat(plan).contains("manifest_blobs_by_digest").contains("repository_blobs_by_digest");
    }

    @Test
    void namesSortInByteOrder() {
        JdbcClient jdbc = migrated();
        for (String name : List.of("b", "B", "a-b", "a_b", "a.b", "a/b")) {
            jdbc.sql("INSERT INTO repositories (name) VALUES (:n)").param("n", name).update();
        }
        assertThat(jdbc.sql("SELECT name FROM repositories ORDER BY name").query(String.class).list())
                .containsExactly("B", "a-b", "a.b", "a/b", "a_b", "b");
    }

    /**
     * Replicas of a new release start together and each runs the migrations. Flyway (11.x, with
     * flyway-database-postgresql) serializes them with a PostgreSQL advisory lock: one applies
     * them, the others wait (retrying each second, 50 times by default) and then find nothing to do.
     */
    @Test
    void replicasMigratingAtOnceApplyEachMigrationExactlyOnce() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        int replicas = 4;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(replicas);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(replicas);
        try {
            List<java.util.concurrent.Future<Integer>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                runs.add(pool.submit(() -> {
                    Flyway flyway = Flyway.configure()
                            .dataSource(new DriverManagerDataSource(db.url(), db.user(), db.password()))
                            .locations("classpath:db/migration").load();
                    together.await();
                    return flyway.migrate().migrationsExecuted;
                }));
            }
            int executed = 0;
            for (var run : runs) {
                executed += run.get(5, java.util.concurrent.TimeUnit.MINUTES);
            }
            JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(db.url(), db.user(), db.password()));
            List<String> applied = jdbc.sql("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")
                    .query(String.class).list();
            assertThat(applied).doesNotHaveDuplicates().isNotEmpty();
            assertThat(jdbc.sql("SELECT count(*) FROM flyway_schema_history WHERE NOT success").query(Long.class).single())
                    .isZero();
            assertThat(executed).as("migrations run, over all replicas").isEqualTo(applied.size());
        } finally {
            pool.shutdownNow();
        }
    }
}
