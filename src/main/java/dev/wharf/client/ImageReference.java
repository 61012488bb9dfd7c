package dev.wharf.client;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.util.Locale;
import java.util.Objects;

/**
 * An image reference as people write it: {@code [registry[:port]/]name[:tag][@digest]}, with
 * Docker's defaults: no registry means Docker Hub ({@code docker.io}), a one-component name on Docker
 * Hub lives under {@code library/}, and no tag or digest means {@code latest}. The name, tag and
 * digest are validated with the same types the server uses.
 *
 * <p>The first component is a registry when it contains a {@code .} or a {@code :}, or is
 * {@code localhost}, as in Docker.
 *
 * @param registry   the registry host with optional port, e.g. {@code docker.io} or {@code 127.0.0.1:5000}
 * @param repository the repository
 * @param tag        the tag; null when only a digest was given
 * @param digest     the digest; null when not given
 */
public record ImageReference(String registry, RepositoryName repository, Tag tag, Digest digest) {

    public static final String DOCKER_HUB = "docker.io";
    private static final Tag LATEST = Tag.of("latest");

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        if (tag == null && digest == null) {
            tag = LATEST;
        }
    }

    /**
     * Parses a reference.
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static ImageReference parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("empty image reference");
        }
        String rest = value.trim();
        Digest digest = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (OciException e) {
                throw new IllegalArgumentException("invalid digest in " + value + ": " + e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = normalizeRegistry(first);
                rest = rest.substring(slash + 1);
            }
        }
        Tag tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            String tagText = rest.substring(colon + 1);
            if (!Tag.isValid(tagText)) {
                throw new IllegalArgumentException("invalid tag in " + value + ": " + tagText);
            }
            tag = Tag.of(tagText);
            rest = rest.substring(0, colon);
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (!RepositoryName.isValid(rest)) {
            String hint = rest.equals(rest.toLowerCase(Locale.ROOT)) ? "" : " (repository names are lower case)";
            throw new IllegalArgumentException("invalid repository name in " + value + ": " + rest + hint);
        }
        if (registry.length() + 1 + rest.length() > RepositoryName.MAX_LENGTH) {
            throw new IllegalArgumentException("reference too long: " + value);
        }
        return new ImageReference(registry, RepositoryName.of(rest), tag, digest);
    }

    /** The reference the registry is asked for: the digest when there is one, else the tag. */
    public Reference reference() {
        return digest != null ? new Reference.ByDigest(digest) : tag;
    }

    /** The same repository at another digest (the tag is kept for display). */
    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    /** The same repository by digest only. */
    public ImageReference byDigest(Digest newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /**
     * The name {@code docker load} and {@code docker images} show: {@code app:1.0} for
     * {@code docker.io/library/app:1.0}, {@code user/app:1.0} for other Docker Hub images, else
     * {@code registry/name:tag}.
     */
    public String familiarName() {
        String name = repository.value();
        if (registry.equals(DOCKER_HUB)) {
            if (name.startsWith("library/") && name.indexOf('/', 8) < 0) {
                name = name.substring(8);
            }
        } else {
            name = registry + "/" + name;
        }
        return name + ":" + (tag == null ? "latest" : tag.value());
    }

    /** The host[:port] API requests go to: Docker Hub's API host for {@code docker.io}. */
    public static String apiHost(String registry) {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    static String normalizeRegistry(String registry) {
        String r = registry.toLowerCase(Locale.ROOT);
        return r.equals("index.docker.io") || r.equals("registry-1.docker.io") ? DOCKER_HUB : r;
    }

    /** {@code registry/name[:tag][@digest]}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(registry).append('/').append(repository);
        if (tag != null) {
            b.append(':').append(tag);
        }
        if (digest != null) {
            b.append('@').append(digest);
        }
        return b.toString();
    }
}
