package dev.wharf.server.upload;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.policy.Quotas;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.OptionalLong;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Cross-repository blob mounts ({@code POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>}):
 * a link, no transfer.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository">spec: Mounting a blob from another repository</a>
 */
@Component
public class Mounts {

    private final BlobLinks links;
    private final Repositories repositories;
    private final TransactionTemplate transactions;
    private final Quotas quotas;
    private final Counter mounts;

    public Mounts(BlobLinks links, Repositories repositories, TransactionTemplate transactions, Quotas quotas,
                  MeterRegistry meters) {
        this.links = links;
        this.repositories = repositories;
        this.transactions = transactions;
        this.quotas = quotas;
        this.mounts = Counter.builder("wharf.blob.mounts")
                .description("Blobs linked into a repository from another one, without a transfer").register(meters);
    }

    /**
     * Links a blob {@code from} has into {@code target}, without copying it.
     *
     * @return the blob's size, or empty when {@code from} does not have it
     */
    public OptionalLong mount(RepositoryName target, Digest digest, RepositoryName from) {
        if (from.equals(target)) {
            return links.sizeIn(target, digest);
        }
        OptionalLong mounted;
        try {
            // the link's triggers lock the namespace's usage row, which the collector and other
            // pushes also lock: a deadlock between them is run again, not answered 500 (GcRaceIT)
            mounted = Conflicts.retry(4, () -> transactions.execute(status ->
                    links.mount(from, repositories.ensure(target), digest)));
        } catch (DataAccessException e) {
            if (!Conflicts.isForeignKeyViolation(e)) {
                throw quotas.translate(e);
            }
            // the garbage collector deleted the blob meanwhile: not mountable, the client uploads it
            return OptionalLong.empty();
        }
        if (mounted.isPresent()) {
            mounts.increment();
        }
        return mounted;
    }
}
