package dev.wharf.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTests {

    private static final String SHA256_HEX = "a".repeat(64);

    @Test
    void parsesSha256() {
        Digest d = Digest.parse("sha256:" + SHA256_HEX);
        assertThat(d.algorithm()).isEqualTo(DigestAlgorithm.SHA256);
        assertThat(d.hex()).isEqualTo(SHA256_HEX);
        assertThat(d).hasToString("sha256:" + SHA256_HEX);
    }

    @Test
    void parsesSha512() {
        assertThat(Digest.parse("sha512:" + "0".repeat(128)).algorithm()).isEqualTo(DigestAlgorithm.SHA512);
    }

    @Test
    void digestOfBytesMatchesTheKnownValue() {
        assertThat(Digest.sha256("".getBytes(StandardCharsets.UTF_8)))
                .hasToString("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "sha256:" + "A" + "a",            // upper case and short
            "sha256:ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD", // upper-case hex
            "sha256:abc",                      // too short
            "sha256:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", // not hex
            "sha512:aaaa",                     // wrong length for sha512
            "md5:d41d8cd98f00b204e9800998ecf8427e", // unsupported algorithm
            "sha384:aaaa",
            "sha256",                          // no encoded part
            ":aaaa",                           // no algorithm
            "sha256:../../etc/passwd",         // path traversal
            "",
    })
    void rejectsMalformedOrUnsupportedDigestsWithDigestInvalid(String value) {
        assertThatThrownBy(() -> Digest.parse(value))
                .isInstanceOfSatisfying(OciException.class,
                        e -> assertThat(e.code()).isEqualTo(OciErrorCode.DIGEST_INVALID));
    }

    @Test
    void rejectsSha256HexOfSha512Length() {
        assertThatThrownBy(() -> Digest.parse("sha256:" + "a".repeat(128))).isInstanceOf(OciException.class);
    }
}
