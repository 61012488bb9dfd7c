package dev.wharf.server.replication;

import dev.wharf.client.ImageSource;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * This registry's own content as an {@link ImageSource} for the companion client's copier: manifests
 * and referrers from PostgreSQL, blobs straight from the store (from any offset, for a resumed
 * upload). Only what the repository holds is readable through it, as through the API.
 */
@Component
class LocalImages implements ImageSource {

    private static final int REFERRERS_PAGE = 1000;

    private final Manifests manifests;
    private final BlobLinks links;
    private final BlobStore store;

    LocalImages(Manifests manifests, BlobLinks links, BlobStore store) {
        this.manifests = manifests;
        this.links = links;
        this.store = store;
    }

    /** The digest at {@code reference}, when the repository holds it. */
    Optional<Digest> resolve(RepositoryName repository, Reference reference) {
        return find(repository, reference).map(Manifests.Stored::digest);
    }

    private Optional<Manifests.Stored> find(RepositoryName repository, Reference reference) {
        return reference instanceof Tag tag ? manifests.findByTag(repository, tag)
                : manifests.findByDigest(repository, reference.digestOrNull());
    }

    @Override
    public ManifestPayload manifest(RepositoryName repository, Reference reference) {
        Manifests.Stored stored = find(repository, reference).orElseThrow(() -> new RegistryException.NotFound(
                "not found here: " + describe(repository, reference), OciErrorCode.MANIFEST_UNKNOWN));
        return ManifestPayload.parse(stored.content(), stored.mediaType(), stored.digest().algorithm());
    }

    @Override
    public InputStream blob(RepositoryName repository, Descriptor blob, long offset) throws IOException {
        if (links.sizeIn(repository, blob.digest()).isEmpty()) {
            throw new RegistryException.NotFound("blob " + blob.digest() + " is not in " + repository + " here",
                    OciErrorCode.BLOB_UNKNOWN);
        }
        BlobSource source;
        try {
            source = store.open(blob.digest());
        } catch (BlobNotFoundException e) {
            throw new IOException("the store does not hold " + blob.digest() + " of " + repository, e);
        }
        return source.openStream(offset, source.size() - offset);
    }

    @Override
    public List<Descriptor> referrers(RepositoryName repository, Digest subject) {
        List<Descriptor> out = new ArrayList<>();
        String last = null;
        while (true) {
            List<Manifests.Referrer> page = manifests.referrers(repository, subject, null, last, REFERRERS_PAGE);
            for (Manifests.Referrer r : page) {
                out.add(new Descriptor(r.mediaType(), r.digest(), r.size(), r.artifactType(), r.annotations(), null, null));
            }
            if (page.size() < REFERRERS_PAGE) {
                return out;
            }
            last = page.get(page.size() - 1).digest().toString();
        }
    }

    @Override
    public String describe(RepositoryName repository, Reference reference) {
        return "this registry's " + ImageSource.super.describe(repository, reference);
    }
}
