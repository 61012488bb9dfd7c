package dev.wharf.server.manifest;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.policy.Quotas;
import dev.wharf.server.tag.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The rules of pushing a manifest: the bytes must be a valid manifest of a supported type, their
 * digest must match a digest reference, and everything they refer to (blobs of an image manifest,
 * children of an index) must already be in the repository. The {@code subject} need not exist.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests">spec: Pushing Manifests</a>
 */
@Service
public class ManifestService {

    /** What a push stored. */
    public record Pushed(Digest digest, Digest subject, List<Tag> tags) {
    }

    private final Manifests manifests;
    private final Tags tags;
    private final BlobLinks links;
    private final Repositories repositories;
    private final TransactionTemplate transactions;
    private final Events events;
    private final Quotas quotas;

    public ManifestService(Manifests manifests, Tags tags, BlobLinks links, Repositories repositories,
                           TransactionTemplate transactions, Events events, Quotas quotas) {
        this.quotas = quotas;
        this.manifests = manifests;
        this.tags = tags;
        this.links = links;
        this.repositories = repositories;
        this.transactions = transactions;
        this.events = events;
    }

    /**
     * Stores a manifest pushed to {@code reference}, tagging it with the reference (when a tag) and
     * with {@code extraTags} ({@code ?tag=} parameters of a push by digest).
     *
     * @throws OciException {@code MANIFEST_INVALID}, {@code DIGEST_INVALID} when a digest reference
     *                      does not match the bytes, {@code MANIFEST_BLOB_UNKNOWN} naming every
     *                      missing blob or child manifest, {@code DENIED} when the manifest does
     *                      not fit its namespace's quota or would move an immutable tag
     */
    public Pushed put(RepositoryName repository, Reference reference, byte[] bytes, String contentType,
                      List<Tag> extraTags) {
        Digest expected = reference.digestOrNull();
        DigestAlgorithm algorithm = expected == null ? DigestAlgorithm.SHA256 : expected.algorithm();
        ManifestPayload manifest = ManifestPayload.parse(bytes, contentType, algorithm);
        if (expected != null && !expected.equals(manifest.digest())) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "manifest digest " + manifest.digest()
                    + " does not match " + expected, Map.of("expected", expected.toString(), "actual", manifest.digest().toString()));
        }
        List<Tag> allTags = new ArrayList<>();
        if (reference instanceof Tag tag) {
            allTags.add(tag);
        }
        allTags.addAll(extraTags);
        // a push that lost a race with the garbage collector (a manifest it re-pushes deleted under
        // it) or with another push (a deadlock) runs again; its references are checked again too
        try {
            store(repository, manifest, allTags);
        } catch (RuntimeException e) {
            throw quotas.translate(e);
        }
        Descriptor subject = manifest.subject();
        return new Pushed(manifest.digest(), subject == null ? null : subject.digest(), List.copyOf(extraTags));
    }

    private void store(RepositoryName repository, ManifestPayload manifest, List<Tag> allTags) {
        Conflicts.retry(4, () -> transactions.execute(status -> {
            long repositoryId = repositories.ensure(repository);
            // when it last saw a push: the web UI sorts by it
            repositories.pushed(repositoryId);
            checkReferences(repositoryId, manifest);
            long id = manifests.insert(repositoryId, manifest, allTags.isEmpty());
            Map<Tag, String> moved = new LinkedHashMap<>();
            for (Tag tag : allTags) {
                tags.set(repositoryId, tag, id).ifPresent(previous -> moved.put(tag, previous));
            }
            events.record(EventType.MANIFEST_PUSHED, repository.namespace(), repository.value(),
                    allTags.isEmpty() ? manifest.digest().toString() : allTags.get(0).value(), pushed(manifest, allTags));
            moved.forEach((tag, previous) -> events.record(EventType.TAG_MOVED, repository.namespace(),
                    repository.value(), tag.value(),
                    Map.of("tag", tag.value(), "digest", manifest.digest().toString(), "previous", previous)));
            return null;
        }));
    }

    /**
     * Deletes a tag (its manifest stays) and records {@code tag.deleted} in the same transaction.
     *
     * @return false when the repository has no such tag
     */
    public boolean deleteTag(RepositoryName repository, Tag tag) {
        return deleteTag(repository, tag, null);
    }

    /**
     * As {@link #deleteTag(RepositoryName, Tag)}, only when the tag was last pushed at
     * {@code pushedAt} (null: whenever).
     */
    public boolean deleteTag(RepositoryName repository, Tag tag, java.time.OffsetDateTime pushedAt) {
        return Conflicts.retry(3, () -> Boolean.TRUE.equals(transactions.execute(status -> {
            boolean deleted = tags.delete(repository, tag, pushedAt);
            if (deleted) {
                events.record(EventType.TAG_DELETED, repository.namespace(), repository.value(), tag.value(),
                        Map.of("tag", tag.value()));
            }
            return deleted;
        })));
    }

    /**
     * Deletes a manifest with its tags and records {@code manifest.deleted} in the same transaction.
     *
     * @return false when the repository has no such manifest
     */
    public boolean deleteManifest(RepositoryName repository, Digest digest) {
        return Conflicts.retry(3, () -> Boolean.TRUE.equals(transactions.execute(status -> {
            boolean deleted = manifests.delete(repository, digest);
            if (deleted) {
                events.record(EventType.MANIFEST_DELETED, repository.namespace(), repository.value(), digest.toString(),
                        Map.of("digest", digest.toString()));
            }
            return deleted;
        })));
    }

    private static Map<String, Object> pushed(ManifestPayload manifest, List<Tag> tags) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("digest", manifest.digest().toString());
        data.put("mediaType", manifest.mediaType());
        data.put("size", manifest.bytes().length);
        data.put("tags", tags.stream().map(Tag::value).toList());
        if (manifest.effectiveArtifactType() != null) {
            data.put("artifactType", manifest.effectiveArtifactType());
        }
        if (manifest.subject() != null) {
            data.put("subject", manifest.subject().digest().toString());
        }
        return data;
    }

    private void checkReferences(long repositoryId, ManifestPayload manifest) {
        List<Digest> blobs = manifest.blobs().stream()
                .filter(d -> !MediaTypes.isNonDistributable(d.mediaType()))
                .map(Descriptor::digest)
                .toList();
        if (manifest.subject() != null) {
            manifests.lockSubject(repositoryId, manifest.subject().digest());
        }
        Set<Digest> missingBlobs = links.missingIn(repositoryId, blobs);
        Set<Digest> missingManifests = manifests.missingIn(repositoryId,
                manifest.manifests().stream().map(Descriptor::digest).toList());
        if (!missingBlobs.isEmpty() || !missingManifests.isEmpty()) {
            List<String> missing = new ArrayList<>();
            missingBlobs.stream().map(Digest::toString).sorted().forEach(missing::add);
            missingManifests.stream().map(Digest::toString).sorted().forEach(missing::add);
            throw new OciException(OciErrorCode.MANIFEST_BLOB_UNKNOWN,
                    "manifest references content the repository does not have: " + String.join(", ", missing),
                    Map.of("missing", missing));
        }
    }
}
