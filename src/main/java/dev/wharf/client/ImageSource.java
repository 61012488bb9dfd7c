package dev.wharf.client;

import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where a copy reads an image from: a registry over the distribution API ({@link #of(Registry)}),
 * or anything else that holds images by digest, such as a registry's own storage when it copies
 * its content elsewhere (replication). Implementations are thread-safe: blobs are read in
 * parallel.
 */
public interface ImageSource {

    /**
     * The manifest at a reference, its digest verified.
     *
     * @throws dev.wharf.client.registry.RegistryException.NotFound when there is none
     */
    ManifestPayload manifest(RepositoryName repository, Reference reference);

    /**
     * The blob's bytes from {@code offset} to its end (the caller verifies and closes them). A
     * source that cannot start in the middle may skip forward itself.
     */
    InputStream blob(RepositoryName repository, Descriptor blob, long offset) throws IOException;

    /** The descriptors of the manifests whose subject is {@code subject} (signatures, SBOMs). */
    List<Descriptor> referrers(RepositoryName repository, Digest subject);

    /**
     * The registry this source is, when it is one: a copy within one registry mounts blobs from
     * the source repository instead of sending them. Null for other sources.
     */
    default Registry registry() {
        return null;
    }

    /** How the source names an image in messages, e.g. {@code registry.example/app:1}. */
    default String describe(RepositoryName repository, Reference reference) {
        return repository + (reference.digestOrNull() != null ? "@" : ":") + reference;
    }

    /** A registry as a source: manifests, blobs (with a {@code Range} from an offset) and referrers over HTTP. */
    static ImageSource of(Registry registry) {
        return new ImageSource() {
            @Override
            public ManifestPayload manifest(RepositoryName repository, Reference reference) {
                return registry.send(new Endpoints.GetManifest(repository, reference));
            }

            @Override
            public InputStream blob(RepositoryName repository, Descriptor blob, long offset) throws IOException {
                Endpoints.BlobStream stream = registry.send(new Endpoints.GetBlob(repository, blob.digest(), offset));
                InputStream in = stream.body();
                long skip = offset - stream.offset();
                while (skip > 0) {
                    long n = in.skip(skip);
                    if (n <= 0) {
                        in.close();
                        throw new IOException("the source blob ends before byte " + offset);
                    }
                    skip -= n;
                }
                return in;
            }

            @Override
            public List<Descriptor> referrers(RepositoryName repository, Digest subject) {
                return ReferrersSupport.list(registry, repository, subject, null);
            }

            @Override
            public Registry registry() {
                return registry;
            }

            @Override
            public String describe(RepositoryName repository, Reference reference) {
                return registry.host() + "/" + ImageSource.super.describe(repository, reference);
            }
        };
    }
}
