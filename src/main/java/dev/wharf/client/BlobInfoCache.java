package dev.wharf.client;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What earlier transfers learned, kept between runs (like skopeo's blob-info cache): which
 * compressed blob a layer became (so a second push of the same layer is skipped instead of
 * compressed and sent again), and which repositories of a registry hold a blob (so a push to
 * another repository mounts it instead of uploading it).
 *
 * <p>A plain text file, {@code blob-info.txt} in the cache directory, merged and replaced
 * atomically on {@link #save()}; the newest {@value #MAX_ENTRIES} entries are kept. Losing it
 * costs only speed. Thread-safe.
 */
final class BlobInfoCache {

    static final int MAX_ENTRIES = 20_000;
    private static final int LOCATIONS_PER_BLOB = 3;

    /** A compressed form of a layer. */
    record Compressed(Digest digest, long size) {
    }

    private final Path file;
    private final Map<String, String> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, String> added = new LinkedHashMap<>();

    private BlobInfoCache(Path file) {
        this.file = file;
    }

    /** The cache in {@code directory}; a cache that remembers nothing when it is null. */
    static BlobInfoCache open(Path directory) {
        BlobInfoCache cache = new BlobInfoCache(directory == null ? null : directory.resolve("blob-info.txt"));
        if (cache.file != null) {
            cache.entries.putAll(read(cache.file));
        }
        return cache;
    }

    synchronized Compressed compressed(Digest uncompressed, String compression) {
        String v = entries.get("c " + compression + " " + uncompressed);
        if (v == null) {
            return null;
        }
        String[] parts = v.split(" ");
        try {
            return new Compressed(Digest.parse(parts[0]), Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            return null;
        }
    }

    synchronized void recordCompressed(Digest uncompressed, String compression, Digest digest, long size) {
        put("c " + compression + " " + uncompressed, digest + " " + size);
    }

    /** Repositories of {@code registry} known to hold the blob, most recent first. */
    synchronized List<RepositoryName> locations(String registry, Digest digest) {
        String v = entries.get("l " + registry + " " + digest);
        List<RepositoryName> out = new ArrayList<>();
        if (v != null) {
            for (String name : v.split(" ")) {
                if (RepositoryName.isValid(name)) {
                    out.add(RepositoryName.of(name));
                }
            }
        }
        return out;
    }

    synchronized void recordLocation(String registry, RepositoryName repository, Digest digest) {
        List<String> names = new ArrayList<>();
        names.add(repository.value());
        for (RepositoryName r : locations(registry, digest)) {
            if (!r.equals(repository) && names.size() < LOCATIONS_PER_BLOB) {
                names.add(r.value());
            }
        }
        put("l " + registry + " " + digest, String.join(" ", names));
    }

    private void put(String key, String value) {
        entries.put(key, value);
        added.put(key, value);
    }

    /** Merges what this run learned into the file. Failures are ignored: the cache is only an optimisation. */
    synchronized void save() {
        if (file == null || added.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Map<String, String> merged = read(file);
            added.forEach((k, v) -> {
                merged.remove(k);
                merged.put(k, v);
            });
            List<String> lines = new ArrayList<>();
            int skip = Math.max(0, merged.size() - MAX_ENTRIES);
            for (Map.Entry<String, String> e : merged.entrySet()) {
                if (skip-- > 0) {
                    continue;
                }
                lines.add(e.getKey() + "\t" + e.getValue());
            }
            Path tmp = Files.createTempFile(file.getParent(), ".blob-info", ".tmp");
            try {
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            added.clear();
        } catch (IOException | RuntimeException ignored) {
            // the cache is an optimisation
        }
    }

    private static Map<String, String> read(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) {
                        out.put(line.substring(0, tab), line.substring(tab + 1));
                    }
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // an unreadable cache is an empty one
        }
        return out;
    }
}
