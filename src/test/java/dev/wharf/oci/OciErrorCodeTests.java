package dev.wharf.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class OciErrorCodeTests {

    @ParameterizedTest
    @CsvSource({
            "BLOB_UNKNOWN, 404", "BLOB_UPLOAD_INVALID, 400", "BLOB_UPLOAD_UNKNOWN, 404", "DIGEST_INVALID, 400",
            "MANIFEST_BLOB_UNKNOWN, 400", "MANIFEST_INVALID, 400", "MANIFEST_UNKNOWN, 404", "NAME_INVALID, 400",
            "NAME_UNKNOWN, 404", "SIZE_INVALID, 400", "UNAUTHORIZED, 401", "DENIED, 403", "UNSUPPORTED, 405",
            "TOOMANYREQUESTS, 429"})
    void everySpecCodeHasItsDefaultStatus(String code, int status) {
        assertThat(OciErrorCode.valueOf(code).status()).isEqualTo(status);
        assertThat(OciErrorCode.fromName(code)).isEqualTo(OciErrorCode.valueOf(code));
    }

    @Test
    void theEnumHoldsExactlyTheFourteenSpecCodes() {
        assertThat(OciErrorCode.values()).hasSize(14);
        assertThat(Arrays.stream(OciErrorCode.values()).map(Enum::name)).allMatch(n -> n.matches("[A-Z_]+"));
        assertThat(OciErrorCode.fromName("TAG_INVALID")).isNull();
    }

    @Test
    void exceptionsCarryStatusDetailAndHeaders() {
        OciException e = new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, 416, "out of order", null)
                .withHeader("Range", "0-9");
        assertThat(e.status()).isEqualTo(416);
        assertThat(e.headers()).containsEntry("Range", "0-9");
        assertThat(new OciException(OciErrorCode.DENIED, null).getMessage()).isEqualTo(OciErrorCode.DENIED.description());
    }
}
