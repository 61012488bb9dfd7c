package dev.wharf.server.replication;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.SharedDownload;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.manifest.ManifestService;
import dev.wharf.server.policy.Quotas;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.DigestMismatchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Copies an image from another registry into a local repository (a {@code pull} rule): blobs the
 * repository lacks are downloaded through the companion client (verified while they stream,
 * resumed with a {@code Range} after a cut) into the store, then the manifests are pushed as a
 * client's would be ({@link ManifestService#put}: the same checks, the same events), children
 * before their index, then the referrers. A blob the store holds for another repository is
 * downloaded all the same: the other registry naming a digest proves nothing about who may read
 * the local copy.
 */
@Component
class PullImporter {

    private final BlobLinks links;
    private final BlobStore store;
    private final Repositories repositories;
    private final ManifestService manifests;
    private final LocalImages local;
    private final TransactionTemplate transactions;
    private final Quotas quotas;

    PullImporter(BlobLinks links, BlobStore store, Repositories repositories, ManifestService manifests,
                 LocalImages local, TransactionTemplate transactions, Quotas quotas) {
        this.quotas = quotas;
        this.links = links;
        this.store = store;
        this.repositories = repositories;
        this.manifests = manifests;
        this.local = local;
        this.transactions = transactions;
    }

    /**
     * Imports {@code remote:reference} of {@code rule}'s registry into {@code rule.across(remote)}.
     *
     * @return false when the local repository had it already (nothing was copied)
     */
    boolean importImage(Rule rule, RegistryClient client, RepositoryName remote, Reference reference) {
        Registry registry = client.registry(rule.registry());
        RepositoryName target = rule.across(remote);
        Digest current = registry.send(new Endpoints.ResolveManifest(remote, reference)).digest();
        Optional<Digest> have = local.resolve(target, reference);
        if (have.isPresent() && have.get().equals(current)) {
            return false;
        }
        ManifestPayload root = registry.send(new Endpoints.GetManifest(remote, new Reference.ByDigest(current)));
        importGraph(registry, remote, target, root, reference);
        Deque<Digest> subjects = new ArrayDeque<>(List.of(root.digest()));
        Set<Digest> seen = new HashSet<>(subjects);
        while (!subjects.isEmpty()) {
            Digest subject = subjects.poll();
            List<Descriptor> referrers = client.referrers(new ImageReference(rule.registry(), remote, null, subject), null);
            for (Descriptor referrer : referrers) {
                if (seen.add(referrer.digest())) {
                    ManifestPayload manifest = registry.send(new Endpoints.GetManifest(remote,
                            new Reference.ByDigest(referrer.digest())));
                    importGraph(registry, remote, target, manifest, new Reference.ByDigest(manifest.digest()));
                    subjects.add(referrer.digest());
                }
            }
        }
        return true;
    }

    private void importGraph(Registry registry, RepositoryName remote, RepositoryName target, ManifestPayload manifest,
                             Reference reference) {
        for (Descriptor child : manifest.manifests()) {
            if (local.resolve(target, new Reference.ByDigest(child.digest())).isEmpty()) {
                ManifestPayload c = registry.send(new Endpoints.GetManifest(remote, new Reference.ByDigest(child.digest())));
                importGraph(registry, remote, target, c, new Reference.ByDigest(c.digest()));
            }
        }
        for (Descriptor blob : manifest.blobs()) {
            if (!MediaTypes.isNonDistributable(blob.mediaType()) && links.sizeIn(target, blob.digest()).isEmpty()) {
                download(registry, remote, target, blob);
            }
        }
        manifests.put(target, reference, manifest.bytes(), manifest.mediaType(),
                List.of());
    }

    private void download(Registry registry, RepositoryName remote, RepositoryName target, Descriptor blob) {
        // refused before anything is downloaded when the local namespace is missing or full
        transactions.executeWithoutResult(status -> repositories.ensure(target));
        Path spool;
        try {
            spool = Files.createTempFile("wharf-replication-", ".blob");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // run on this thread: the download is complete (or failed) when start returns
        try (SharedDownload download = SharedDownload.start(registry, remote, blob.digest(), blob.size(), spool,
                RetryPolicy.DEFAULT, Runnable::run)) {
            BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), blob.digest().algorithm());
            try (InputStream in = download.open()) {
                writer.append(in);
                writer.commit(blob.digest());
                // linked before the scratch data goes: it publishes the bytes again if the
                // collector removed them since the commit
                links.linkCommitted(() -> repositories.ensure(target), blob.digest(), writer.size(), writer);
            } catch (RuntimeException e) {
                // a namespace quota refuses an import as it refuses a push (the task fails saying so)
                throw quotas.translate(e);
            } finally {
                writer.abort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + blob.digest() + " of " + remote + ": " + e.getMessage(), e);
        } catch (DigestMismatchException e) {
            throw new IllegalStateException("the content of " + blob.digest() + " does not match its digest", e);
        }
    }
}
