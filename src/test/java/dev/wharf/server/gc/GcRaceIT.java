package dev.wharf.server.gc;

import static dev.wharf.server.gc.Images.Blob;
import static dev.wharf.server.gc.Images.Manifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * Issue 8's proof: two replicas over one PostgreSQL and one store, the collector running on both
 * with a review delay of 0 (everything unreferenced is due at once), and clients pushing images that
 * share layers (HEAD first and skip what is there, monolithic and session uploads, mounts), indexes
 * and referrers, moving tags, deleting tags and manifests, and collecting on demand. A push refused
 * {@code MANIFEST_BLOB_UNKNOWN} because the collector took a layer first is legitimate here: the
 * client uploads again and retries, and the refusals are counted.
 *
 * <p>Afterwards, once a final collection found nothing more to do: every tagged image pulls
 * completely with every digest verified, every blob row's bytes are in the store, and nothing
 * unreferenced is left: manifests, links, blob rows and store files are exactly what the tags reach.
 */
class GcRaceIT {

    private static final int ROUNDS = Integer.getInteger("wharf.gc.race.rounds", 300);
    private static final int CLIENTS = 4;
    private static final int REPOSITORIES = 4;
    private static final int POOL = 12;
    private static final String ACCEPT = String.join(",", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX);

    @TempDir
    Path storageRoot;

    private final List<Blob> pool = new ArrayList<>();
    private final List<Blob> configs = new ArrayList<>();
    private final ExecutorService uploads = Executors.newFixedThreadPool(CLIENTS * 4);
    private final ConcurrentMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<Digest, Long> sizes = new ConcurrentHashMap<>();

    @Test
    void filesystemStoreSharedByTwoReplicas() throws Exception {
        Map<String, String> props = Map.of("wharf.storage.filesystem.root", storageRoot.toString());
        race("filesystem", props, () -> {
            try (Stream<Path> files = Files.walk(storageRoot)) {
                return files.filter(Files::isRegularFile).map(p -> storageRoot.relativize(p).toString()).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void s3StoreSharedByTwoReplicas() throws Exception {
        try (S3Server s3 = S3Server.start(); S3Client client = s3.client()) {
            race("s3", s3.serverProperties("gcrace"), () -> client.listObjectsV2Paginator(b -> b.bucket("gcrace"))
                    .contents().stream().map(o -> o.key()).toList());
        }
    }

    private void race(String store, Map<String, String> storeProps, Supplier<List<String>> storedKeys)
            throws Exception {
        for (int i = 0; i < POOL; i++) {
            pool.add(Blob.random(1000 + i * 97));
        }
        for (int i = 0; i < POOL / 2; i++) {
            configs.add(Blob.config());
        }
        TestDatabases.Database db = TestDatabases.create();
        Map<String, String> props = new HashMap<>(storeProps);
        props.put("wharf.gc.review-delay", "0s");
        props.put("wharf.gc.workers", "1");
        props.put("wharf.gc.interval", "50ms");
        props.put("wharf.gc.batch-size", "20");
        props.put("wharf.gc.duty-cycle", "1"); // no rests: race as hard as the collector can
        long started = System.nanoTime();
        try (RegistryServer a = RegistryServer.start(db, props); RegistryServer b = RegistryServer.start(db, props)) {
            List<RegistryHttp> replicas = List.of(new RegistryHttp(a.base()), new RegistryHttp(b.base()));
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    for (int round; (round = next.getAndIncrement()) < ROUNDS; ) {
                        round(replicas, new Random(round * 7919L + store.hashCode()), round);
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> f : running) {
                    f.get(20, TimeUnit.MINUTES);
                }
            } finally {
                clients.shutdownNow();
                uploads.shutdownNow();
            }
            long raced = System.nanoTime() - started;
            Map<String, Double> gcDeletes = deletes(replicas);

            a.bean(GcWorkers.class).stop();
            b.bean(GcWorkers.class).stop();
            // until every queue is empty: a review queued again because a push held its row is due a
            // second later
            JdbcClient jdbc = a.bean(JdbcClient.class);
            int finalRuns = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (queued(jdbc) > 0) {
                assertThat(System.nanoTime()).as("the final collection empties the queues").isLessThan(deadline);
                if (Images.collect(replicas.get(finalRuns++ % 2)).get("reviewed").asInt() == 0) {
                    Thread.sleep(200);
                }
            }
            JsonNode inventory = Images.collect(replicas.get(0), "?inventory=true").get("inventory");

            checkTaggedImagesPull(replicas.get(1), a.bean(JdbcClient.class));
            checkNothingUnreferencedIsLeft(a.bean(JdbcClient.class), storedKeys.get());
            System.out.printf("gc race (%s, 2 replicas, review delay 0): %d rounds in %d s; %s; statuses %s;"
                            + " collector deletions during the race %s; final runs %d; inventory orphans %d blobs,"
                            + " %d uploads; %d violations%n",
                    store, ROUNDS, TimeUnit.NANOSECONDS.toSeconds(raced), new TreeMap<>(counts), new TreeMap<>(statuses),
                    gcDeletes, finalRuns, inventory.get("orphanBlobs").asInt(), inventory.get("orphanUploads").asInt(),
                    violations.size());
        }
        assertThat(violations).isEmpty();
        assertThat(statuses.keySet()).allMatch(s -> s < 500);
        assertThat(counted("image pushed") + counted("index pushed")).isGreaterThan(ROUNDS / 3);
        assertThat(counted("manifest deleted") + counted("tag deleted")).isPositive();
    }

    // ---- the clients ------------------------------------------------------------------------------

    private void round(List<RegistryHttp> replicas, Random random, int round) {
        String repo = "race/r" + (round % REPOSITORIES);
        RegistryHttp http = replicas.get(random.nextInt(2));
        int action = random.nextInt(100);
        if (action < 60) {
            pushImage(replicas, random, repo, "t" + random.nextInt(3));
        } else if (action < 70) {
            pushIndex(replicas, random, repo);
        } else if (action < 77) {
            pushReferrer(replicas, random, repo);
        } else if (action < 87) {
            deleteTag(http, repo, "t" + random.nextInt(3));
        } else if (action < 97) {
            deleteManifest(http, repo, "t" + random.nextInt(3));
        } else {
            record(http.post("/api/v1/gc" + (random.nextBoolean() ? "?dryRun=true" : ""), new byte[0]));
            count("collection asked");
        }
    }

    /** An image manifest with the blobs it needs. */
    private record Image(Manifest manifest, List<Blob> blobs) {
    }

    /** An image of 1-3 pool layers (shared across the repositories) and maybe one of its own. */
    private Image pushImage(List<RegistryHttp> replicas, Random random, String repo, String tag) {
        List<Blob> layers = new ArrayList<>();
        for (int n = 1 + random.nextInt(3); layers.size() < n; ) {
            Blob layer = pool.get(random.nextInt(POOL));
            if (!layers.contains(layer)) {
                layers.add(layer);
            }
        }
        if (random.nextInt(3) == 0) {
            layers.add(Blob.random(500 + random.nextInt(3000)));
        }
        Blob config = configs.get(random.nextInt(configs.size()));
        Manifest manifest = Images.image(config, layers);
        List<Blob> blobs = new ArrayList<>(layers);
        blobs.add(config);
        if (push(replicas, random, repo, tag, manifest, () -> uploadAll(replicas, random, repo, blobs, true),
                missing -> uploadAll(replicas, random, repo, blobs.stream()
                        .filter(blob -> missing.contains(blob.digest().toString())).toList(), false))) {
            count("image pushed");
            return new Image(manifest, blobs);
        }
        return null;
    }

    /** An index of two images pushed by digest, tagged {@code multi}. */
    private void pushIndex(List<RegistryHttp> replicas, Random random, String repo) {
        List<Image> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Image child = pushImage(replicas, random, repo, null);
            if (child == null) {
                return;
            }
            children.add(child);
        }
        Manifest index = Images.index(children.stream().map(Image::manifest).toList());
        if (push(replicas, random, repo, "multi", index, () -> { }, missing -> {
            for (Image child : children) {
                if (missing.contains(child.manifest().digest().toString())) {
                    push(replicas, random, repo, null, child.manifest(), () -> { },
                            blobsMissing -> uploadAll(replicas, random, repo, child.blobs().stream()
                                    .filter(blob -> blobsMissing.contains(blob.digest().toString())).toList(), false));
                }
            }
        })) {
            count("index pushed");
        }
    }

    /** A referrer (by digest, untagged) of what {@code t0} points at. */
    private void pushReferrer(List<RegistryHttp> replicas, Random random, String repo) {
        HttpResponse<byte[]> subject = record(replicas.get(random.nextInt(2)).get("/v2/" + repo + "/manifests/t0",
                "Accept", ACCEPT));
        if (subject.statusCode() != 200) {
            return;
        }
        Manifest target = new Manifest(subject.body(), Digest.sha256(subject.body()),
                subject.headers().firstValue("Content-Type").orElseThrow());
        Blob sbom = Blob.random(200 + random.nextInt(500));
        Blob config = Blob.config();
        Manifest referrer = Images.image(config, List.of(sbom), target);
        List<Blob> blobs = List.of(sbom, config);
        if (push(replicas, random, repo, referrer.digest().toString(), referrer,
                () -> uploadAll(replicas, random, repo, blobs, true),
                missing -> uploadAll(replicas, random, repo, blobs.stream()
                        .filter(blob -> missing.contains(blob.digest().toString())).toList(), false))) {
            count("referrer pushed");
        }
    }

    /**
     * Pushes what the manifest needs, then the manifest (to a tag, or by digest when {@code tag} is
     * null); when refused because the collector took something first, pushes it all again.
     */
    private boolean push(List<RegistryHttp> replicas, Random random, String repo, String tag, Manifest manifest,
                         Runnable first, java.util.function.Consumer<Set<String>> again) {
        first.run();
        for (int attempt = 0; attempt < 30; attempt++) {
            HttpResponse<byte[]> response = put(replicas.get(random.nextInt(2)), repo,
                    tag == null ? manifest.digest().toString() : tag, manifest);
            if (response.statusCode() == 201) {
                return true;
            }
            if (response.statusCode() != 400 || !"MANIFEST_BLOB_UNKNOWN".equals(RegistryHttp.errorCode(response))) {
                violations.add("manifest PUT → " + response.statusCode() + " "
                        + new String(response.body(), StandardCharsets.UTF_8));
                return false;
            }
            count("manifest refused: the collector took a blob first");
            Set<String> missing = new HashSet<>();
            RegistryHttp.json(response).get("errors").get(0).path("detail").path("missing")
                    .forEach(d -> missing.add(d.asString()));
            again.accept(missing);
        }
        count("push given up after 30 refusals");
        return false;
    }

    private HttpResponse<byte[]> put(RegistryHttp http, String repo, String reference, Manifest manifest) {
        return record(http.putManifest(repo, reference, manifest.mediaType(), manifest.bytes()));
    }

    /** Uploads the blobs in parallel, as docker does, so that the manifest follows soon after. */
    private void uploadAll(List<RegistryHttp> replicas, Random random, String repo, List<Blob> blobs, boolean mayHead) {
        List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
        for (Blob blob : blobs) {
            Random own = new Random(random.nextLong());
            running.add(java.util.concurrent.CompletableFuture.runAsync(
                    () -> upload(replicas, own, repo, blob, mayHead), uploads));
        }
        running.forEach(java.util.concurrent.CompletableFuture::join);
    }

    /** Uploads a blob: maybe HEAD first and skip it when there, then monolithic, a session, or a mount. */
    private void upload(List<RegistryHttp> replicas, Random random, String repo, Blob blob, boolean mayHead) {
        sizes.put(blob.digest(), (long) blob.bytes().length);
        RegistryHttp http = replicas.get(random.nextInt(2));
        if (mayHead && random.nextBoolean() && record(http.head("/v2/" + repo + "/blobs/" + blob.digest())).statusCode() == 200) {
            count("blob skipped after HEAD");
            return;
        }
        int how = random.nextInt(10);
        String base = "/v2/" + repo + "/blobs/uploads/";
        if (how < 4) {
            expect(record(http.post(base + "?digest=" + blob.digest(), blob.bytes(), "Content-Type",
                    "application/octet-stream")), 201);
            return;
        }
        HttpResponse<byte[]> start;
        if (how < 7) {
            start = record(http.post(base, new byte[0]));
        } else {
            start = record(http.post(base + "?mount=" + blob.digest() + "&from=race/r" + random.nextInt(REPOSITORIES),
                    new byte[0]));
            if (start.statusCode() == 201) {
                count("blob mounted");
                return;
            }
            count("mount fell back to an upload");
        }
        if (!expect(start, 202)) {
            return;
        }
        String location = start.headers().firstValue("Location").orElseThrow();
        expect(record(replicas.get(random.nextInt(2)).put(location + (location.contains("?") ? "&" : "?") + "digest="
                + blob.digest(), blob.bytes(), "Content-Type", "application/octet-stream")), 201);
    }

    private void deleteTag(RegistryHttp http, String repo, String tag) {
        int status = record(http.delete("/v2/" + repo + "/manifests/" + tag)).statusCode();
        if (status == 202) {
            count("tag deleted");
        } else if (status != 404) {
            violations.add("DELETE tag → " + status);
        }
    }

    private void deleteManifest(RegistryHttp http, String repo, String tag) {
        HttpResponse<byte[]> found = record(http.head("/v2/" + repo + "/manifests/" + tag, "Accept", ACCEPT));
        if (found.statusCode() != 200) {
            return;
        }
        String digest = found.headers().firstValue("Docker-Content-Digest").orElseThrow();
        int status = record(http.delete("/v2/" + repo + "/manifests/" + digest)).statusCode();
        if (status == 202) {
            count("manifest deleted");
        } else if (status != 404) {
            violations.add("DELETE manifest → " + status);
        }
    }

    private HttpResponse<byte[]> record(HttpResponse<byte[]> response) {
        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
        if (response.statusCode() >= 500) {
            violations.add(response.request().method() + " " + response.request().uri().getPath() + " → "
                    + response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response;
    }

    private boolean expect(HttpResponse<byte[]> response, int status) {
        if (response.statusCode() != status) {
            violations.add(response.request().method() + " " + response.request().uri().getPath() + " → "
                    + response.statusCode() + " (expected " + status + ") "
                    + new String(response.body(), StandardCharsets.UTF_8));
            return false;
        }
        return true;
    }

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    private int counted(String what) {
        AtomicInteger n = counts.get(what);
        return n == null ? 0 : n.get();
    }

    // ---- the checks ---------------------------------------------------------------------------------

    /** Every tag pulls: manifest, children, config and layers, each matching its digest and size. */
    private void checkTaggedImagesPull(RegistryHttp http, JdbcClient jdbc) {
        int pulled = 0;
        for (int r = 0; r < REPOSITORIES; r++) {
            String repo = "race/r" + r;
            for (String tag : jdbc.sql("SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id"
                    + " WHERE r.name = :repo").param("repo", repo).query(String.class).list()) {
                pull(http, repo, tag, null);
                pulled++;
            }
        }
        assertThat(pulled).isPositive();
    }

    private void pull(RegistryHttp http, String repo, String reference, Digest expected) {
        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/manifests/" + reference, "Accept", ACCEPT);
        if (response.statusCode() != 200) {
            violations.add("pull " + repo + ":" + reference + " → " + response.statusCode());
            return;
        }
        if (expected != null && !Digest.sha256(response.body()).equals(expected)) {
            violations.add("manifest " + repo + "@" + expected + " has other bytes");
        }
        JsonNode manifest = RegistryHttp.JSON.readTree(response.body());
        if (manifest.has("manifests")) {
            for (JsonNode child : manifest.get("manifests")) {
                pull(http, repo, child.get("digest").asString(), Digest.parse(child.get("digest").asString()));
            }
            return;
        }
        List<JsonNode> blobs = new ArrayList<>();
        blobs.add(manifest.get("config"));
        manifest.get("layers").forEach(blobs::add);
        for (JsonNode descriptor : blobs) {
            Digest digest = Digest.parse(descriptor.get("digest").asString());
            HttpResponse<byte[]> blob = http.get("/v2/" + repo + "/blobs/" + digest);
            if (blob.statusCode() != 200 || !Digest.sha256(blob.body()).equals(digest)
                    || blob.body().length != descriptor.get("size").asLong()) {
                violations.add("blob " + digest + " of " + repo + ":" + reference + " → " + blob.statusCode());
            }
        }
    }

    /**
     * What is left is exactly what the tags reach: tagged manifests, the children of reached indexes,
     * the referrers of reached subjects; the links their blobs need; the blob rows those links use;
     * and in the store those blobs' bytes and nothing else.
     */
    private void checkNothingUnreferencedIsLeft(JdbcClient jdbc, List<String> storedKeys) {
        Set<String> reached = new HashSet<>(jdbc.sql("""
                WITH RECURSIVE reached(id) AS (
                    SELECT manifest_id FROM tags
                    UNION
                    SELECT c.id FROM reached p JOIN manifests pm ON pm.id = p.id
                    JOIN manifests c ON c.repository_id = pm.repository_id
                     AND (c.digest IN (SELECT child_digest FROM manifest_children WHERE parent_id = p.id)
                          OR c.subject_digest = pm.digest))
                SELECT id::text FROM reached""").query(String.class).list());
        Set<String> manifests = new HashSet<>(jdbc.sql("SELECT id::text FROM manifests").query(String.class).list());
        expectSame("manifests", manifests, reached);
        Set<String> left = new TreeSet<>(manifests);
        left.removeAll(reached);
        for (String id : left) {
            violations.add("left: " + jdbc.sql("""
                    SELECT m.id || ' ' || m.digest || ' ' || m.media_type || ' subject ' || COALESCE(m.subject_digest, '-')
                        || ' subject exists ' || EXISTS (SELECT 1 FROM manifests s WHERE s.repository_id = m.repository_id
                                                         AND s.digest = m.subject_digest)
                        || ' parents ' || (SELECT count(*) FROM manifest_children mc JOIN manifests p ON p.id = mc.parent_id
                                           WHERE mc.child_digest = m.digest AND p.repository_id = m.repository_id)
                        || ' tags ' || (SELECT count(*) FROM tags t WHERE t.manifest_id = m.id)
                        || ' children ' || (SELECT count(*) FROM manifest_children mc WHERE mc.parent_id = m.id)
                        || ' created ' || m.created_at
                    FROM manifests m WHERE m.id = CAST(:id AS bigint)""").param("id", id).query(String.class).single());
        }

        Set<String> neededLinks = new HashSet<>(jdbc.sql("""
                SELECT DISTINCT m.repository_id || ' ' || mb.digest FROM manifests m
                JOIN manifest_blobs mb ON mb.manifest_id = m.id""").query(String.class).list());
        Set<String> links = new HashSet<>(jdbc.sql("SELECT repository_id || ' ' || digest FROM repository_blobs")
                .query(String.class).list());
        expectSame("links", links, neededLinks);

        Set<String> neededBlobs = new HashSet<>(jdbc.sql("SELECT DISTINCT digest FROM repository_blobs")
                .query(String.class).list());
        Map<String, Long> rows = new HashMap<>();
        jdbc.sql("SELECT digest, size FROM blobs").query((rs, n) -> rows.put(rs.getString(1), rs.getLong(2))).list();
        expectSame("blob rows", rows.keySet(), neededBlobs);

        Set<String> stored = new TreeSet<>();
        for (String key : storedKeys) {
            if (key.startsWith("uploads/")) {
                violations.add("upload scratch data left: " + key);
            } else if (key.startsWith("blobs/") && key.split("/").length == 4) {
                String[] parts = key.split("/");
                stored.add(parts[1] + ":" + parts[3]);
            }
        }
        expectSame("stored blobs", stored, rows.keySet());
        for (var row : rows.entrySet()) {
            Long sent = sizes.get(Digest.parse(row.getKey()));
            if (sent != null && sent.longValue() != row.getValue()) {
                violations.add("blob row " + row.getKey() + " records " + row.getValue() + " bytes, not " + sent);
            }
        }
        assertThat(jdbc.sql("SELECT count(*) FROM upload_sessions").query(Long.class).single()).isZero();
    }

    private void expectSame(String what, Set<String> actual, Set<String> expected) {
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        if (!extra.isEmpty()) {
            violations.add(what + " left although unreferenced: " + extra);
        }
        if (!missing.isEmpty()) {
            violations.add(what + " missing although referenced: " + missing);
        }
    }

    private static long queued(JdbcClient jdbc) {
        return jdbc.sql("""
                SELECT (SELECT count(*) FROM gc_manifest_reviews) + (SELECT count(*) FROM gc_link_reviews)
                     + (SELECT count(*) FROM gc_blob_reviews)""").query(Long.class).single();
    }

    /** The collector's deletions counted by both replicas' meters, by kind. */
    private static Map<String, Double> deletes(List<RegistryHttp> replicas) {
        Map<String, Double> out = new TreeMap<>();
        for (RegistryHttp http : replicas) {
            String metrics = new String(http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);
            metrics.lines().filter(l -> l.startsWith("wharf_gc_deletes_total{")).forEach(l -> {
                String kind = l.substring(l.indexOf("kind=\"") + 6, l.indexOf('"', l.indexOf("kind=\"") + 6));
                out.merge(kind, Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
            });
        }
        return out;
    }
}
