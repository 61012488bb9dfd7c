package dev.wharf.client;

import dev.wharf.client.archive.ManifestJson;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.util.ArrayList;
import java.util.List;

/**
 * Referrers: through the referrers API where the registry has it, else through the spec's
 * fallback, an index tagged {@code <alg>-<encoded digest>} that clients keep up to date.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers">spec: Listing Referrers</a>
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema">spec: Referrers Tag Schema</a>
 */
final class ReferrersSupport {

    private ReferrersSupport() {
    }

    /** The tag of the fallback index for {@code subject}. */
    static Tag fallbackTag(Digest subject) {
        String tag = subject.algorithm().prefix() + "-" + subject.hex();
        return Tag.of(tag.length() > 128 ? tag.substring(0, 128) : tag);
    }

    /** The manifests that refer to {@code subject}, of {@code artifactType} when not null. */
    static List<Descriptor> list(Registry registry, RepositoryName repository, Digest subject, String artifactType) {
        List<Descriptor> out = new ArrayList<>();
        String next = null;
        boolean filtered = false;
        do {
            Endpoints.ReferrersPage page = registry.send(new Endpoints.Referrers(repository, subject, artifactType, next));
            if (!page.supported()) {
                out.addAll(fallback(registry, repository, subject));
                break;
            }
            filtered = page.filtered();
            out.addAll(page.referrers());
            next = page.next();
        } while (next != null);
        if (artifactType != null && !filtered) {
            out.removeIf(d -> !artifactType.equals(d.artifactType()));
        }
        return out;
    }

    private static List<Descriptor> fallback(Registry registry, RepositoryName repository, Digest subject) {
        try {
            ManifestPayload index = registry.send(new Endpoints.GetManifest(repository, fallbackTag(subject)));
            return index.isIndex() ? index.manifests() : List.of();
        } catch (RegistryException.NotFound e) {
            return List.of();
        }
    }

    /**
     * Adds a referrer to the fallback index of its subject, for a registry that did not index it
     * itself (no {@code OCI-Subject} in the push response).
     */
    static void addToFallback(Registry registry, RepositoryName repository, Digest subject, Descriptor referrer) {
        List<Descriptor> entries = new ArrayList<>(fallback(registry, repository, subject));
        if (entries.stream().anyMatch(d -> d.digest().equals(referrer.digest()))) {
            return;
        }
        entries.add(referrer);
        registry.send(new Endpoints.PutManifest(repository, fallbackTag(subject), ManifestJson.index(entries)));
    }
}
