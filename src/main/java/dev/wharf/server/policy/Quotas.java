package dev.wharf.server.policy;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Namespace quotas, as pushes meet them. The database enforces them: the trigger that counts a new
 * blob or manifest of a namespace raises {@value #SQLSTATE} when it takes the usage above the quota
 * ({@code V9__namespace_policies.sql}), so the check and the count are one step, exact under any
 * concurrency. This class turns that into the spec's {@code DENIED}, refuses uploads early whose
 * {@code Content-Length} cannot fit, and counts refusals ({@code wharf.quota.refusals}).
 */
@Component
public class Quotas {

    /** What the usage trigger raises when a push does not fit. */
    static final String SQLSTATE = "WQ001";

    private final JdbcClient jdbc;
    private final Counter refusals;

    public Quotas(JdbcClient jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.refusals = Counter.builder("wharf.quota.refusals")
                .description("pushes (blob uploads, mounts, manifests) refused for a namespace quota")
                .register(meters);
    }

    /**
     * {@code e} as the push's refusal when a namespace quota caused it; otherwise {@code e} itself.
     * Use as {@code catch (RuntimeException e) { throw quotas.translate(e); }}.
     */
    public RuntimeException translate(RuntimeException e) {
        return refusal(e).map(RuntimeException.class::cast).orElse(e);
    }

    /** The refusal {@code e} stands for, when the usage trigger raised it. */
    public Optional<OciException> refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PSQLException p && SQLSTATE.equals(p.getSQLState())) {
                ServerErrorMessage m = p.getServerErrorMessage();
                if (m != null && m.getDetail() != null) {
                    String[] numbers = m.getDetail().split(" ");
                    return Optional.of(exceeded(m.getMessage(), Long.parseLong(numbers[0]), Long.parseLong(numbers[1]),
                            Long.parseLong(numbers[2])));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Refuses, before any byte is read, an upload of {@code length} bytes ({@code digest} null when
     * not known yet) into the repository when it cannot fit its namespace's quota. A blob the
     * namespace holds already costs nothing. The upload is checked again, exactly, when it commits.
     *
     * @throws OciException 403 {@code DENIED}
     */
    public void checkUpload(RepositoryName repository, Digest digest, long length) {
        if (length <= 0) {
            return;
        }
        jdbc.sql("""
                        SELECT p.quota_bytes, p.used_bytes FROM namespace_policies p
                        WHERE p.namespace = :namespace AND p.quota_bytes IS NOT NULL AND p.used_bytes + :length > p.quota_bytes
                          AND NOT EXISTS (SELECT 1 FROM namespace_digests d WHERE d.namespace = p.namespace AND d.digest = :digest)""")
                .param("namespace", repository.namespace())
                .param("length", length)
                .param("digest", digest == null ? "" : digest.toString())
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)})
                .optional()
                .ifPresent(q -> {
                    throw exceeded(repository.namespace(), q[0], q[1], length);
                });
    }

    /**
     * What is left of the namespace's quota for an upload into the repository whose length is not
     * announced ({@code digest} null when not known yet), to bound its body while it streams: empty
     * when nothing bounds it (no quota, or the namespace holds the blob already). The upload is
     * checked again, exactly, when it commits.
     */
    public Optional<Room> room(RepositoryName repository, Digest digest) {
        return jdbc.sql("""
                        SELECT p.quota_bytes, p.used_bytes FROM namespace_policies p
                        WHERE p.namespace = :namespace AND p.quota_bytes IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM namespace_digests d WHERE d.namespace = p.namespace AND d.digest = :digest)""")
                .param("namespace", repository.namespace())
                .param("digest", digest == null ? "" : digest.toString())
                .query((rs, n) -> new Room(repository.namespace(), rs.getLong(1), rs.getLong(2)))
                .optional();
    }

    /** A namespace's quota and usage as an upload found them ({@link #room}). */
    public record Room(String namespace, long quota, long used) {

        /** The bytes left under the quota. */
        public long left() {
            return Math.max(0, quota - used);
        }
    }

    /**
     * The refusal of a streamed upload that found {@code room} and had brought {@code arrived} bytes
     * when it went beyond it: it needs at least that many.
     *
     * @return 403 {@code DENIED}, as {@link #checkUpload} throws it
     */
    public OciException refuse(Room room, long arrived) {
        return exceeded(room.namespace(), room.quota(), room.used(), arrived, "at least ");
    }

    private OciException exceeded(String namespace, long quota, long used, long needed) {
        return exceeded(namespace, quota, used, needed, "");
    }

    private OciException exceeded(String namespace, long quota, long used, long needed, String bound) {
        refusals.increment();
        return new OciException(OciErrorCode.DENIED, "quota exceeded for namespace " + namespace + ": quota "
                + size(quota) + ", used " + size(used) + ", this push needs " + bound + size(needed) + " more",
                Map.of("namespace", namespace, "quotaBytes", quota, "usedBytes", used, "neededBytes", needed));
    }

    /** Bytes for people: {@code 512 B}, {@code 95.2 MiB}. */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
