package dev.wharf.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class BaseEndpointIT {

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    @Test
    void versionCheckAnswers200WithApiVersionHeader() {
        HttpResponse<byte[]> response = http.get("/v2/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Docker-Distribution-API-Version")).hasValue("registry/2.0");
    }

    @Test
    void versionCheckWithoutTrailingSlashAnswers200() {
        assertThat(http.get("/v2").statusCode()).isEqualTo(200);
    }
}
