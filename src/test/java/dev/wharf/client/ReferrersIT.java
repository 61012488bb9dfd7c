package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.registry.Credentials;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Referrers through Wharf's referrers API: listing, filtering, and copying them with an image. */
class ReferrersIT {

    private static final String SIGNATURE = "application/vnd.example.signature.v1";
    private static final String SBOM = "application/spdx+json";

    @TempDir
    Path tmp;

    private final String host = RegistryServer.shared().hostPort();

    private RegistryClient client() {
        return new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    @Test
    void referrersOfAnImageAreListedAndFilteredByArtifactType() {
        ImageReference image = ImageReference.parse(host + "/" + TestData.repository("refs") + ":v1");
        try (RegistryClient client = client()) {
            TestContent.Image subject = pushImage(client, image);
            TestContent.Image signature = pushReferrer(client, image, SIGNATURE, subject);
            TestContent.Image sbom = pushReferrer(client, image, SBOM, subject);

            assertThat(client.referrers(image, null)).extracting(Descriptor::digest)
                    .containsExactlyInAnyOrder(signature.digest(), sbom.digest());
            assertThat(client.referrers(image, SIGNATURE)).extracting(Descriptor::digest)
                    .containsExactly(signature.digest());
            assertThat(client.referrers(image, SIGNATURE).get(0).artifactType()).isEqualTo(SIGNATURE);
        }
    }

    @Test
    void copyWithReferrersBringsSignaturesAndTheirSignaturesAlong() {
        ImageReference image = ImageReference.parse(host + "/" + TestData.repository("refs-src") + ":v1");
        ImageReference target = ImageReference.parse(host + "/" + TestData.repository("refs-dst") + ":v1");
        try (RegistryClient client = client()) {
            TestContent.Image subject = pushImage(client, image);
            TestContent.Image signature = pushReferrer(client, image, SIGNATURE, subject);
            TestContent.Image countersignature = pushReferrer(client, image, SIGNATURE, signature);

            client.copy(image, target, new CopyOptions(null, true));

            assertThat(client.referrers(target, null)).extracting(Descriptor::digest).containsExactly(signature.digest());
            assertThat(client.referrers(target.byDigest(signature.digest()), null)).extracting(Descriptor::digest)
                    .containsExactly(countersignature.digest());
        }
    }

    @Test
    void copyWithoutReferrersLeavesThemBehind() {
        ImageReference image = ImageReference.parse(host + "/" + TestData.repository("refs-plain") + ":v1");
        ImageReference target = ImageReference.parse(host + "/" + TestData.repository("refs-plain-dst") + ":v1");
        try (RegistryClient client = client()) {
            TestContent.Image subject = pushImage(client, image);
            pushReferrer(client, image, SIGNATURE, subject);
            client.copy(image, target, CopyOptions.defaults());
            assertThat(client.referrers(target, null)).isEmpty();
        }
    }

    private TestContent.Image pushImage(RegistryClient client, ImageReference image) {
        TestContent.Image subject = TestContent.image("linux", "amd64", 1, 5_000);
        client.push(TestContent.layout(tmp.resolve("image-" + System.nanoTime()), "v1", subject), image, PushOptions.defaults());
        return subject;
    }

    static TestContent.Image pushReferrer(RegistryClient client, ImageReference image, String type,
                                          TestContent.Image subject, Path dir) {
        TestContent.Image referrer = TestContent.artifact(type, subject.digest(), subject.manifest().bytes().length,
                MediaTypes.OCI_MANIFEST);
        client.push(TestContent.layout(dir, "sig", referrer), image.byDigest(referrer.digest()), PushOptions.defaults());
        return referrer;
    }

    private TestContent.Image pushReferrer(RegistryClient client, ImageReference image, String type,
                                           TestContent.Image subject) {
        return pushReferrer(client, image, type, subject, tmp.resolve("referrer-" + System.nanoTime()));
    }
}
