package dev.wharf.testing;

import dev.wharf.oci.Digest;
import java.util.List;

/**
 * The golden manifests of {@code src/test/resources/golden/manifests/} and the blobs they refer to
 * ({@code golden/blobs/}). The manifests are written with unusual whitespace, key order and escapes,
 * so that a registry re-serialising them would change their digest.
 *
 * <ul>
 *   <li>{@link #OCI_MANIFEST}: config {@code oci-config.json}, layers {@code layer-1}, {@code layer-2}</li>
 *   <li>{@link #OCI_MANIFEST_ARM64}: config {@code oci-config-arm64.json}, layer {@code layer-1}</li>
 *   <li>{@link #OCI_INDEX}: the two OCI manifests</li>
 *   <li>{@link #DOCKER_MANIFEST}: config {@code docker-config.json}, layers {@code layer-1}, {@code layer-2}</li>
 *   <li>{@link #DOCKER_MANIFEST_LIST}: the Docker manifest</li>
 *   <li>{@link #ARTIFACT}: an SPDX artifact (empty config, {@code sbom.spdx.json}) whose subject is
 *       {@link #OCI_MANIFEST}</li>
 * </ul>
 */
public final class GoldenImages {

    public static final String OCI_MANIFEST = "oci-image-manifest";
    public static final String OCI_MANIFEST_ARM64 = "oci-image-manifest-arm64";
    public static final String OCI_INDEX = "oci-image-index";
    public static final String DOCKER_MANIFEST = "docker-manifest-v2";
    public static final String DOCKER_MANIFEST_LIST = "docker-manifest-list";
    public static final String ARTIFACT = "artifact-with-subject";

    /** Every golden blob. */
    public static final List<String> BLOBS = List.of("oci-config.json", "oci-config-arm64.json", "docker-config.json",
            "layer-1.tar.gz", "layer-2.tar.gz", "empty.json", "sbom.spdx.json");

    private GoldenImages() {
    }

    /** The exact bytes of a golden manifest. */
    public static byte[] manifest(String name) {
        return Golden.bytes("manifests/" + name + ".json");
    }

    /** The SHA-256 digest of a golden manifest's exact bytes. */
    public static Digest digest(String name) {
        return Digest.sha256(manifest(name));
    }

    public static byte[] blob(String name) {
        return Golden.bytes("blobs/" + name);
    }

    /** Uploads every golden blob into {@code repository}. */
    public static void pushBlobs(RegistryHttp http, String repository) {
        for (String blob : BLOBS) {
            http.pushBlob(repository, blob(blob));
        }
    }
}
