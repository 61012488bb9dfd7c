package dev.wharf.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.TemplateCommand;
import dev.wharf.testing.Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart ({@code helm/wharf}) through real helm (helm-java runs helm's own code, bundled as
 * a native library): {@code lint --strict}, and {@code template} for the shapes operators run,
 * with the rendered documents read back as Kubernetes objects and checked for what production
 * needs: probes on the actuator, a locked-down security context, secrets only by reference, the
 * settings Wharf really has, and a refusal of value combinations that would lose data.
 */
class HelmChartTests {

    private static final Path CHART = Path.of("helm/wharf");
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
    /** The cluster version templates are rendered for (helm's own default is older than the chart allows). */
    private static final String KUBERNETES_VERSION = "1.31.0";

    /** Three replicas on S3 and an external PostgreSQL, behind an nginx ingress with TLS. */
    private static final String PRODUCTION = """
            replicaCount: 3
            image:
              repository: registry.example.com/platform/wharf
              tag: "1.2.3"
            database:
              url: jdbc:postgresql://postgres.db.svc:5432/wharf
              existingSecret: wharf-db
            storage:
              type: s3
              s3:
                bucket: wharf-blobs
                endpoint: http://minio.storage.svc:9000
                region: eu-west-1
                pathStyle: true
                existingSecret: wharf-s3
            ingress:
              enabled: true
              className: nginx
              host: registry.example.com
              annotations:
                nginx.ingress.kubernetes.io/proxy-read-timeout: "1800"
                cert-manager.io/cluster-issuer: letsencrypt
              tls:
                enabled: true
            auth:
              adminPassword:
                existingSecret: wharf-admin
              keyEncryption:
                existingSecret: wharf-kek
            logging:
              format: ecs
            """;

    @TempDir
    Path dir;

    private Path values(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "values-", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<HasMetadata> render(String valuesYaml) throws IOException {
        TemplateCommand template = new Helm(CHART).template().withName("reg").withNamespace("registry")
                .withKubeVersion(KUBERNETES_VERSION);
        if (valuesYaml != null) {
            template = template.withValuesFile(values(valuesYaml));
        }
        String manifests = template.call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
                continue;
            }
            objects.add(KUBERNETES.unmarshal(document));
        }
        return objects;
    }

    private static String renderedText(List<HasMetadata> objects) {
        return objects.stream().map(KUBERNETES::asYaml).collect(Collectors.joining("\n---\n"));
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    private static String value(Container container, String name) {
        EnvVar var = env(container).get(name);
        assertThat(var).as(name).isNotNull();
        return var.getValue();
    }

    /** The values operators and issue 9 agreed on; renaming one breaks their values files. */
    @Test
    void valuesKeepTheAgreedContract() throws IOException {
        Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(Files.readString(CHART.resolve("values.yaml")));
        for (String path : List.of("replicaCount", "image.repository", "image.tag", "externalUrl", "database.url",
                "database.existingSecret", "storage.type", "storage.s3.bucket", "storage.s3.endpoint", "storage.s3.region",
                "storage.s3.pathStyle", "storage.s3.existingSecret", "persistence.enabled", "persistence.accessModes",
                "persistence.size", "ingress.enabled", "ingress.host", "ingress.className", "ingress.tls",
                "metrics.serviceMonitor.enabled", "podDisruptionBudget", "autoscaling.enabled", "resources",
                "auth.adminPassword.existingSecret", "auth.keyEncryption.existingSecret")) {
            Object node = values;
            for (String key : path.split("\\.")) {
                assertThat(node).as(path).isInstanceOf(Map.class);
                Map<?, ?> map = (Map<?, ?>) node;
                assertThat(map.containsKey(key)).as(path).isTrue();
                node = map.get(key);
            }
        }
        assertThat(values.get("storage")).asString().contains("type=filesystem");
    }

    @Test
    void lintStrictFindsNothing() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void singleNodeDefaultRunsTheEmbeddedDatabaseOnAPersistentVolumeAndStopsBeforeReplacing() throws IOException {
        List<HasMetadata> objects = render(null);
        assertThat(objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("Deployment", "Service", "ServiceAccount", "PersistentVolumeClaim",
                        "PodDisruptionBudget", "ConfigMap");
        Deployment deployment = one(objects, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        Container wharf = productionShape(deployment);
        assertThat(env(wharf)).doesNotContainKey("SPRING_DATASOURCE_URL").doesNotContainKey("WHARF_AUTH_ADMIN_PASSWORD");
        assertThat(value(wharf, "WHARF_STORAGE_TYPE")).isEqualTo("filesystem");

        PersistentVolumeClaim claim = one(objects, PersistentVolumeClaim.class);
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(claim.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        Volume data = volume(deployment, "data");
        assertThat(data.getPersistentVolumeClaim().getClaimName()).isEqualTo(claim.getMetadata().getName());
        secretsOnlyByReference(objects, Set.of());
    }

    @Test
    void threeReplicasOnS3WithExternalPostgresqlAndIngressRollWithoutDowntime() throws IOException {
        List<HasMetadata> objects = render(PRODUCTION);
        assertThat(all(objects, PersistentVolumeClaim.class)).as("nothing needs a volume").isEmpty();
        Deployment deployment = one(objects, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        Container wharf = productionShape(deployment);
        assertThat(wharf.getImage()).isEqualTo("registry.example.com/platform/wharf:1.2.3");

        assertThat(value(wharf, "SPRING_DATASOURCE_URL")).isEqualTo("jdbc:postgresql://postgres.db.svc:5432/wharf");
        assertThat(secretRef(wharf, "SPRING_DATASOURCE_USERNAME")).isEqualTo("wharf-db/username");
        assertThat(secretRef(wharf, "SPRING_DATASOURCE_PASSWORD")).isEqualTo("wharf-db/password");
        assertThat(value(wharf, "WHARF_STORAGE_TYPE")).isEqualTo("s3");
        assertThat(value(wharf, "WHARF_STORAGE_S3_BUCKET")).isEqualTo("wharf-blobs");
        assertThat(value(wharf, "WHARF_STORAGE_S3_ENDPOINT")).isEqualTo("http://minio.storage.svc:9000");
        assertThat(value(wharf, "WHARF_STORAGE_S3_REGION")).isEqualTo("eu-west-1");
        assertThat(value(wharf, "WHARF_STORAGE_S3_PATH_STYLE")).isEqualTo("true");
        assertThat(secretRef(wharf, "WHARF_STORAGE_S3_ACCESS_KEY")).isEqualTo("wharf-s3/accessKey");
        assertThat(secretRef(wharf, "WHARF_STORAGE_S3_SECRET_KEY")).isEqualTo("wharf-s3/secretKey");
        assertThat(secretRef(wharf, "WHARF_AUTH_ADMIN_PASSWORD")).isEqualTo("wharf-admin/password");
        assertThat(value(wharf, "WHARF_AUTH_KEY_ENCRYPTION_KEY_FILE")).isEqualTo("/etc/wharf/key-encryption/key");
        assertThat(volume(deployment, "key-encryption").getSecret().getSecretName()).isEqualTo("wharf-kek");
        assertThat(value(wharf, "WHARF_EXTERNAL_URL")).isEqualTo("https://registry.example.com");
        assertThat(value(wharf, "SERVER_FORWARD_HEADERS_STRATEGY")).isEqualTo("native");
        assertThat(value(wharf, "LOGGING_STRUCTURED_FORMAT_CONSOLE")).isEqualTo("ecs");
        // parts are spooled on a scratch volume, the data directory is scratch too
        assertThat(value(wharf, "WHARF_STORAGE_S3_SPOOL_DIRECTORY")).isEqualTo("/var/spool/wharf");
        assertThat(mountPath(wharf, "spool")).isEqualTo("/var/spool/wharf");
        assertThat(volume(deployment, "spool").getEmptyDir()).isNotNull();
        assertThat(volume(deployment, "data").getEmptyDir()).isNotNull();

        Ingress ingress = one(objects, Ingress.class);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getMetadata().getAnnotations())
                .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-request-buffering", "off")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "900")
                .as("the operator's own annotations win").containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "1800")
                .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
        assertThat(ingress.getSpec().getTls().get(0).getHosts()).containsExactly("registry.example.com");
        assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isEqualTo("reg-wharf-tls");
        var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
        Service service = one(objects, Service.class);
        assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
        assertThat(backend.getPort().getName()).as("only the API, never /actuator").isEqualTo("http");
        secretsOnlyByReference(objects, Set.of("wharf-db", "wharf-s3", "wharf-admin", "wharf-kek"));
    }

    @Test
    void theDisruptionBudgetAndTheServiceSelectExactlyThePodsOfTheRelease() throws IOException {
        for (String values : new String[] {null, PRODUCTION}) {
            List<HasMetadata> objects = render(values);
            Map<String, String> podLabels = one(objects, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
            Map<String, String> selector = one(objects, Deployment.class).getSpec().getSelector().getMatchLabels();
            PodDisruptionBudget pdb = one(objects, PodDisruptionBudget.class);
            assertThat(pdb.getSpec().getSelector().getMatchLabels()).isNotEmpty().isEqualTo(selector);
            assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
            assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
            Service service = one(objects, Service.class);
            assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
            assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("http", "management");
        }
    }

    @Test
    void serviceMonitorScrapesTheManagementPortThatTheServiceExposes() throws IOException {
        List<HasMetadata> objects = render("metrics:\n  serviceMonitor:\n    enabled: true\n    labels:\n      release: kube-prometheus\n");
        GenericKubernetesResource monitor = objects.stream().filter(o -> o.getKind().equals("ServiceMonitor"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus");
        Map<String, Object> endpoint = monitor.<List<Map<String, Object>>>get("spec", "endpoints").get(0);
        assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/actuator/prometheus");
        Service service = one(objects, Service.class);
        assertThat(service.getMetadata().getLabels())
                .containsAllEntriesOf(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"));
        var dashboard = one(objects, io.fabric8.kubernetes.api.model.ConfigMap.class);
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getData().get("wharf.json")).contains("wharf_blob_uploads_total");
    }

    @Test
    void autoscalingReplacesTheReplicaCount() throws IOException {
        List<HasMetadata> objects = render(PRODUCTION + "autoscaling:\n  enabled: true\n  maxReplicas: 8\n");
        assertThat(one(objects, Deployment.class).getSpec().getReplicas()).isNull();
        HorizontalPodAutoscaler hpa = one(objects, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(8);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(one(objects, Deployment.class).getMetadata().getName());
    }

    @Test
    void severalReplicasOnAFilesystemNeedAReadWriteManyVolume() throws IOException {
        String shared = "replicaCount: 3\ndatabase:\n  url: jdbc:postgresql://db:5432/wharf\n  existingSecret: wharf-db\n";
        assertThatThrownBy(() -> render(shared))
                .hasMessageContaining("3 replicas with storage.type=filesystem need a ReadWriteMany volume")
                .hasMessageContaining("persistence.accessModes=[ReadWriteMany]");
        List<HasMetadata> objects = render(shared + "persistence:\n  accessModes: [ReadWriteMany]\n");
        assertThat(one(objects, PersistentVolumeClaim.class).getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(one(objects, Deployment.class).getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");

        assertThatThrownBy(() -> render("replicaCount: 2\nstorage:\n  type: s3\n  s3:\n    bucket: b\n"))
                .hasMessageContaining("2 replicas need an external PostgreSQL: set database.url");
        assertThatThrownBy(() -> render("autoscaling:\n  enabled: true\n"))
                .hasMessageContaining("6 replicas need an external PostgreSQL");
        assertThatThrownBy(() -> render("storage:\n  type: s3\n")).hasMessageContaining("storage.s3.bucket");
        assertThatThrownBy(() -> render("storage:\n  type: nfs\n")).hasMessageContaining("storage.type must be filesystem or s3");
        assertThatThrownBy(() -> render("ingress:\n  enabled: true\n")).hasMessageContaining("ingress.host");
    }

    @Test
    void notesTellHowToLogInAndWhatSeveralReplicasNeed() {
        Release release = new Helm(CHART).install().withName("reg").withNamespace("registry")
                .withKubeVersion(KUBERNETES_VERSION).clientOnly().dryRun().call();
        String notes = release.getOutput();
        assertThat(notes).contains("docker login 127.0.0.1:5000 -u admin --password-stdin < admin-password")
                .contains("kubectl -n registry exec deployment/reg-wharf -- cat /var/lib/wharf/admin-password")
                .contains("port-forward service/reg-wharf 5000:5000")
                .contains("ReadWriteMany");
    }

    /** Checks of the Deployment every value set must pass; returns the Wharf container. */
    private static Container productionShape(Deployment deployment) {
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container wharf = pod.getContainers().get(0);

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var security = wharf.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();

        // a read-only root filesystem: scratch and data are volumes
        assertThat(mountPath(wharf, "tmp")).isEqualTo("/tmp");
        assertThat(volume(deployment, "tmp").getEmptyDir()).isNotNull();
        assertThat(mountPath(wharf, "data")).isEqualTo("/var/lib/wharf");
        assertThat(value(wharf, "WHARF_DATA_DIR")).isEqualTo("/var/lib/wharf");
        assertThat(value(wharf, "SERVER_ADDRESS")).isEqualTo("0.0.0.0");
        assertThat(value(wharf, "MANAGEMENT_SERVER_PORT")).isEqualTo("9090");

        assertThat(wharf.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(wharf.getResources().getLimits()).containsKey("memory");

        probe(wharf.getStartupProbe(), "/actuator/health/liveness");
        probe(wharf.getLivenessProbe(), "/actuator/health/liveness");
        probe(wharf.getReadinessProbe(), "/actuator/health/readiness");
        assertThat(wharf.getStartupProbe().getFailureThreshold() * wharf.getStartupProbe().getPeriodSeconds())
                .as("seconds a first start may take").isGreaterThanOrEqualTo(180);
        assertThat(wharf.getPorts()).anyMatch(p -> p.getName().equals("management") && p.getContainerPort() == 9090)
                .anyMatch(p -> p.getName().equals("http") && p.getContainerPort() == 5000);

        // every variable is one of Wharf's documented settings (a misspelt one would be ignored)
        Set<String> names = new java.util.TreeSet<>(env(wharf).keySet());
        names.remove("JAVA_TOOL_OPTIONS");
        assertThat(Settings.documentedEnvironment()).containsAll(names);
        return wharf;
    }

    private static void probe(Probe probe, String path) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }

    private static Volume volume(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static String mountPath(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of " + volume)).getMountPath();
    }

    /** {@code secret/key} of a variable read from a Secret. */
    private static String secretRef(Container container, String name) {
        EnvVar var = env(container).get(name);
        assertThat(var).as(name).isNotNull();
        assertThat(var.getValue()).as(name + " is not inlined").isNull();
        var ref = var.getValueFrom().getSecretKeyRef();
        return ref.getName() + "/" + ref.getKey();
    }

    /**
     * The chart makes no Secret and inlines no secret: every variable that looks secret comes from a
     * Secret of {@code expected}; no rendered text holds anything but references.
     */
    private static void secretsOnlyByReference(List<HasMetadata> objects, Set<String> expected) {
        assertThat(objects).noneMatch(o -> o.getKind().equals("Secret"));
        Set<String> referenced = new java.util.TreeSet<>();
        for (Deployment d : all(objects, Deployment.class)) {
            for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                for (EnvVar var : c.getEnv()) {
                    if (var.getName().matches(".*(PASSWORD|SECRET|ACCESS_KEY|ENCRYPTION_KEY)$")) {
                        assertThat(var.getValue()).as(var.getName() + " inlined").isNull();
                    }
                    Optional.ofNullable(var.getValueFrom()).map(v -> v.getSecretKeyRef())
                            .ifPresent(ref -> referenced.add(ref.getName()));
                }
            }
            d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
                    .forEach(v -> referenced.add(v.getSecret().getSecretName()));
        }
        assertThat(referenced).isEqualTo(expected);
        // no field anywhere (annotations, ConfigMaps, ...) named like a secret holds a value
        assertThat(renderedText(objects))
                .doesNotContainPattern("(?im)^[ \\t-]*\"?[\\w./-]*(password|secret|secretkey|accesskey)\"?:[ \\t]*\\S");
    }
}
