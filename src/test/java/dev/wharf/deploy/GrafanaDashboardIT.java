package dev.wharf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every query of the chart's Grafana dashboard ({@code helm/wharf/files/grafana-dashboard.json})
 * names metrics, and label values, that a running Wharf really exports on
 * {@code /actuator/prometheus}: a renamed metric would otherwise leave an empty panel.
 */
class GrafanaDashboardIT {

    /** A metric selector in PromQL: {@code name{label="value", ...}}. */
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
    private static final Pattern EQUALS = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

    @Test
    void everyPanelQueriesMetricsAndLabelsTheServerExports() throws IOException {
        RegistryServer server = RegistryServer.shared();
        RegistryHttp http = new RegistryHttp(server.base());
        http.pushImage(TestData.repository("dashboard"), "v1", 1);
        String exported = new String(http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);

        JsonNode dashboard = RegistryHttp.JSON.readTree(Files.readString(Path.of("helm/wharf/files/grafana-dashboard.json")));
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asString()));
        }
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
        for (String expression : expressions) {
            Matcher selector = SELECTOR.matcher(expression);
            assertThat(selector.find()).as("a selector in " + expression).isTrue();
            do {
                String metric = selector.group(1);
                List<String> samples = exported.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                        .toList();
                assertThat(samples).as(metric + " (in " + expression + ")").isNotEmpty();
                Matcher label = EQUALS.matcher(selector.group(2));
                while (label.find()) {
                    String pair = label.group(1) + "=\"" + label.group(2) + "\"";
                    assertThat(samples).as(metric + " with " + pair).anyMatch(s -> s.contains(pair));
                }
            } while (selector.find());
        }
        String variable = dashboard.get("templating").get("list").get(1).get("definition").asString();
        assertThat(exported).contains(variable.replaceAll("^label_values\\((\\w+),.*$", "$1"));
    }

    @Test
    void requestTimersNameTheRegistryRouteNotOnePatternForTheWholeApi() {
        RegistryServer server = RegistryServer.shared();
        RegistryHttp http = new RegistryHttp(server.base());
        String repository = TestData.repository("routes");
        http.pushImage(repository, "v1", 1);
        assertThat(http.get("/v2/" + repository + "/manifests/v1").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/" + repository + "/tags/list").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/").statusCode()).isEqualTo(200);

        List<String> timers = new String(http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count{")).toList();
        assertThat(timers).anyMatch(l -> l.contains("method=\"GET\"") && l.contains("uri=\"/v2/{name}/manifests/{reference}\""))
                .anyMatch(l -> l.contains("uri=\"/v2/{name}/tags/list\""))
                .anyMatch(l -> l.contains("uri=\"/v2/{name}/blobs/uploads/{uuid}\""))
                .anyMatch(l -> l.contains("uri=\"/v2/\""));
    }
}
