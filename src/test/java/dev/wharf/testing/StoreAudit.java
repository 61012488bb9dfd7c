package dev.wharf.testing;

import dev.wharf.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads a blob store from below Wharf (the files, or the S3 objects through the SDK) and checks
 * what a crash or an outage must never leave: a published blob whose bytes do not hash to its
 * name, or a blob the database knows that the store does not hold in full.
 */
public final class StoreAudit {

    /** A published blob as stored: its size and the SHA-256 of its bytes. */
    public record Stored(long size, Digest actual) {
    }

    private final Map<Digest, Stored> blobs;

    private StoreAudit(Map<Digest, Stored> blobs) {
        this.blobs = blobs;
    }

    /** Every file under {@code <root>/blobs/sha256/}. */
    public static StoreAudit filesystem(Path root) {
        Map<Digest, Stored> found = new LinkedHashMap<>();
        Path dir = root.resolve("blobs/sha256");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        found.put(Digest.parse("sha256:" + file.getFileName()), hash(in));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new StoreAudit(found);
    }

    /** Every object under {@code blobs/sha256/} of {@code bucket}. */
    public static StoreAudit s3(S3Client s3, String bucket) {
        Map<Digest, Stored> found = new LinkedHashMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("blobs/sha256/")).contents()) {
            if (o.key().endsWith("/")) {
                // a directory marker of s3proxy's filesystem backend
                continue;
            }
            String hex = o.key().substring(o.key().lastIndexOf('/') + 1);
            try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(o.key()))) {
                found.put(Digest.parse("sha256:" + hex), hash(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new StoreAudit(found);
    }

    public int size() {
        return blobs.size();
    }

    public boolean holds(Digest digest) {
        Stored s = blobs.get(digest);
        return s != null && s.actual().equals(digest);
    }

    /** Published blobs whose bytes do not hash to their name: half-written or damaged. */
    public List<String> corrupt() {
        List<String> bad = new ArrayList<>();
        blobs.forEach((digest, stored) -> {
            if (!stored.actual().equals(digest)) {
                bad.add(digest + " holds " + stored.size() + " bytes hashing to " + stored.actual());
            }
        });
        return bad;
    }

    /**
     * Blobs the database's {@code blobs} table knows (so repositories may link them) that the store
     * does not hold whole, with the recorded size: metadata ahead of bytes.
     */
    public List<String> missingFromStore(Connection db) {
        List<String> missing = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT digest, size FROM blobs")) {
            while (rs.next()) {
                Digest digest = Digest.parse(rs.getString(1));
                Stored stored = blobs.get(digest);
                if (stored == null || !stored.actual().equals(digest) || stored.size() != rs.getLong(2)) {
                    missing.add(digest + " (recorded " + rs.getLong(2) + " bytes) is " + (stored == null ? "not stored"
                            : "stored as " + stored));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return missing;
    }

    private static Stored hash(InputStream in) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[64 * 1024];
        long size = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            sha.update(buffer, 0, n);
            size += n;
        }
        return new Stored(size, Digest.parse("sha256:" + HexFormat.of().formatHex(sha.digest())));
    }
}
