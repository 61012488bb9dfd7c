package dev.wharf.client.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.OciErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryErrorsTests {

    private static final String WHAT = "manifest 127.0.0.1:5000/team/app:1.0";

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            401 | UNAUTHORIZED     | AuthenticationRequired | authentication required: run `wharf login 127.0.0.1:5000`
            403 | DENIED           | Denied                 | access denied to manifest 127.0.0.1:5000/team/app:1.0
            404 | MANIFEST_UNKNOWN | NotFound               | not found: manifest 127.0.0.1:5000/team/app:1.0
            404 | NAME_UNKNOWN     | NotFound               | (the repository does not exist)
            404 | -                | NotFound               | not found: manifest 127.0.0.1:5000/team/app:1.0
            429 | TOOMANYREQUESTS  | Unavailable            | too many requests
            500 | -                | Unavailable            | 127.0.0.1:5000 failed with 500
            503 | -                | Unavailable            | failed with 503
            400 | MANIFEST_INVALID | Rejected               | refused manifest 127.0.0.1:5000/team/app:1.0 with 400: MANIFEST_INVALID
            405 | UNSUPPORTED      | Rejected               | with 405
            416 | BLOB_UPLOAD_INVALID | Rejected            | with 416
            """)
    void statusesBecomeTypedExceptionsWithAClearMessage(int status, String code, String type, String message) {
        byte[] body = code == null ? new byte[0]
                : ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"said by the registry\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        RegistryException e = RegistryErrors.map(status, body, "0-99", WHAT, "127.0.0.1:5000");
        assertThat(e.getClass().getSimpleName()).isEqualTo(type);
        assertThat(e.getMessage()).contains(message);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.code()).isEqualTo(code == null ? null : OciErrorCode.fromName(code));
        if (code != null) {
            assertThat(e.getMessage()).contains("said by the registry");
        }
    }

    @org.junit.jupiter.api.Test
    void aBodyThatIsNotTheSpecsErrorFormatIsQuoted() {
        RegistryException e = RegistryErrors.map(502, "Bad Gateway from nginx".getBytes(StandardCharsets.UTF_8), null,
                WHAT, "h");
        assertThat(e).isInstanceOf(RegistryException.Unavailable.class).hasMessageContaining("Bad Gateway from nginx");
    }

    @org.junit.jupiter.api.Test
    void rangeOfA416IsKeptForResuming() {
        RegistryException e = RegistryErrors.map(416, new byte[0], "0-1023", WHAT, "h");
        assertThat(((RegistryException.Rejected) e).range()).isEqualTo("0-1023");
        assertThat(Endpoints.rangeEnd("0-1023")).isEqualTo(1024);
        assertThat(Endpoints.rangeEnd("bytes=0-9")).isEqualTo(10);
        assertThat(Endpoints.rangeEnd("0-0")).isZero();
    }
}
