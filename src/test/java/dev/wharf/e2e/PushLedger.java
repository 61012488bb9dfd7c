package dev.wharf.e2e;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * What the registry acknowledged to the pushers (a manifest or a blob answered 201), and the
 * checks that it is all there, intact, after a crash: every acknowledged manifest by tag and by
 * digest, byte-exact, with every blob it names; every acknowledged blob, hashing to its digest.
 * Thread-safe: the pushers record from their threads.
 */
final class PushLedger {

    static final String ACCEPT = String.join(",", MediaTypes.OCI_MANIFEST,
            "application/vnd.docker.distribution.manifest.v2+json");

    /** A manifest answered 201 at {@code repository:tag}; {@code bytes} when the pusher knew them. */
    record Manifest(String repository, String tag, Digest digest, byte[] bytes) {
    }

    private record Blob(String repository, Digest digest) {
    }

    private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
    private final Set<Blob> blobs = ConcurrentHashMap.newKeySet();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger checkedBlobs = new AtomicInteger();
    private final Set<Object> verified = ConcurrentHashMap.newKeySet();

    void manifest(String repository, String tag, Digest digest, byte[] bytes) {
        manifests.put(repository + ":" + tag, new Manifest(repository, tag, digest, bytes));
    }

    void blob(String repository, Digest digest) {
        blobs.add(new Blob(repository, digest));
    }

    int manifests() {
        return manifests.size();
    }

    int blobs() {
        return blobs.size();
    }

    List<Manifest> manifestList() {
        return new ArrayList<>(manifests.values());
    }

    void violation(String what) {
        violations.add(what);
    }

    List<String> violations() {
        return violations;
    }

    /** Blob reads done by the checks. */
    int checkedBlobs() {
        return checkedBlobs.get();
    }

    /** Checks everything acknowledged so far against the registry at {@code http}. */
    void verifyAll(RegistryHttp http) {
        verify(http, false);
    }

    /** Checks what was acknowledged since the last check. */
    void verifyNew(RegistryHttp http) {
        verify(http, true);
    }

    private void verify(RegistryHttp http, boolean onlyNew) {
        for (Manifest m : manifestList()) {
            if (verified.add(m) || !onlyNew) {
                verifyManifest(http, m.repository(), m.tag(), m.digest(), m.bytes(), "acknowledged");
            }
        }
        for (Blob b : new ArrayList<>(blobs)) {
            if (verified.add(b) || !onlyNew) {
                verifyBlob(http, b.repository(), b.digest(), -1, "acknowledged blob");
            }
        }
    }

    /**
     * Checks a manifest reference that was being pushed when the server died: it is either unknown
     * or whole (its 201 was lost with the connection), never half there.
     *
     * @return true when it is there
     */
    boolean verifyUnacknowledged(RegistryHttp http, String repository, String tag, Digest expected) {
        HttpResponse<byte[]> r = http.get("/v2/" + repository + "/manifests/" + tag, "Accept", ACCEPT);
        if (r.statusCode() == 404) {
            if (!"MANIFEST_UNKNOWN".equals(RegistryHttp.errorCode(r))) {
                violation(repository + ":" + tag + " → 404 " + body(r));
            }
            return false;
        }
        verifyManifest(http, repository, tag, expected, null, "unacknowledged");
        return true;
    }

    /** A blob whose upload was cut off: unknown, or whole. */
    void verifyUnacknowledgedBlob(RegistryHttp http, String repository, Digest digest, long size) {
        HttpResponse<byte[]> head = http.head("/v2/" + repository + "/blobs/" + digest);
        if (head.statusCode() != 404) {
            verifyBlob(http, repository, digest, size, "unacknowledged blob");
        }
    }

    private void verifyManifest(RegistryHttp http, String repository, String tag, Digest digest, byte[] bytes,
                                String what) {
        String ref = repository + ":" + tag;
        HttpResponse<byte[]> byTag = http.get("/v2/" + repository + "/manifests/" + tag, "Accept", ACCEPT);
        if (byTag.statusCode() != 200) {
            violation(what + " manifest " + ref + " → " + byTag.statusCode() + " " + body(byTag));
            return;
        }
        Digest actual = Digest.sha256(byTag.body());
        if (digest != null && !actual.equals(digest) || bytes != null && !Arrays.equals(bytes, byTag.body())) {
            violation(what + " manifest " + ref + " is " + actual + ", expected " + digest);
            return;
        }
        if (!actual.toString().equals(byTag.headers().firstValue("Docker-Content-Digest").orElse(""))) {
            violation(ref + ": Docker-Content-Digest " + byTag.headers().firstValue("Docker-Content-Digest") + " for "
                    + actual);
        }
        HttpResponse<byte[]> byDigest = http.get("/v2/" + repository + "/manifests/" + actual, "Accept", ACCEPT);
        if (byDigest.statusCode() != 200 || !Arrays.equals(byDigest.body(), byTag.body())) {
            violation(what + " manifest " + repository + "@" + actual + " → " + byDigest.statusCode());
        }
        JsonNode json = RegistryHttp.JSON.readTree(byTag.body());
        List<JsonNode> descriptors = new ArrayList<>();
        descriptors.add(json.get("config"));
        json.get("layers").forEach(descriptors::add);
        for (JsonNode d : descriptors) {
            verifyBlob(http, repository, Digest.parse(d.get("digest").asString()), d.get("size").asLong(),
                    "blob of " + what + " manifest " + ref);
        }
    }

    private void verifyBlob(RegistryHttp http, String repository, Digest digest, long size, String what) {
        checkedBlobs.incrementAndGet();
        HttpResponse<byte[]> r = http.get("/v2/" + repository + "/blobs/" + digest);
        if (r.statusCode() != 200) {
            violation(what + " " + repository + "@" + digest + " → " + r.statusCode() + " " + body(r));
        } else if (!Digest.sha256(r.body()).equals(digest) || size >= 0 && r.body().length != size) {
            violation(what + " " + repository + "@" + digest + " came back as " + r.body().length + " bytes hashing to "
                    + Digest.sha256(r.body()));
        }
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
