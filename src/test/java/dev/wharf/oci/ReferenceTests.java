package dev.wharf.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

class ReferenceTests {

    static java.util.stream.Stream<String> validTags() {
        return java.util.stream.Stream.of("latest", "v1.2.3", "_private", "A", "a".repeat(128), "1.0-rc_1");
    }

    static java.util.stream.Stream<String> invalidTags() {
        return java.util.stream.Stream.of(".hidden", "-dash", "a".repeat(129), "a/b", "a+b", "");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("validTags")
    void validTagsParseAsTags(String value) {
        assertThat(Reference.parse(value)).isEqualTo(new Tag(value));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("invalidTags")
    void invalidTagsAreRejected(String value) {
        assertThat(Tag.isValid(value)).isFalse();
        assertThatThrownBy(() -> Reference.parse(value)).isInstanceOf(OciException.class);
    }

    @Test
    void digestsParseAsDigestReferences() {
        String digest = "sha256:" + "b".repeat(64);
        Reference ref = Reference.parse(digest);
        assertThat(ref).isInstanceOf(Reference.ByDigest.class);
        assertThat(ref.digestOrNull()).isEqualTo(Digest.parse(digest));
        assertThat(ref).hasToString(digest);
    }

    @Test
    void malformedDigestsAreDigestInvalid() {
        assertThatThrownBy(() -> Reference.parse("sha256:nothex"))
                .isInstanceOfSatisfying(OciException.class, e -> assertThat(e.code()).isEqualTo(OciErrorCode.DIGEST_INVALID));
    }

    @Test
    void platformsParseAndMatch() {
        Descriptor.Platform wanted = Descriptor.Platform.parse("linux/arm64");
        assertThat(new Descriptor.Platform("linux", "arm64", "v8").matches(wanted)).isTrue();
        assertThat(new Descriptor.Platform("linux", "amd64", null).matches(wanted)).isFalse();
        assertThat(new Descriptor.Platform("linux", "arm", "v6").matches(Descriptor.Platform.parse("linux/arm/v7"))).isFalse();
        assertThatThrownBy(() -> Descriptor.Platform.parse("linux")).isInstanceOf(IllegalArgumentException.class);
    }
}
