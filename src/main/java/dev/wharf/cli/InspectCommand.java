package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.Inspection;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.ManifestPayload;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code wharf inspect REFERENCE}. */
@Command(mixinStandardHelpOptions = true, name = "inspect", sortOptions = false,
        description = "Show an image: its manifest, platforms, layers and config, readable (or exact with --raw).")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REFERENCE", converter = ReferenceConverter.class)
    ImageReference reference;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = PlatformConverter.class,
            description = "For a multi-platform image: describe this platform's image.")
    Descriptor.Platform platform;

    @Option(names = "--raw", description = "Print the manifest exactly as the registry stores it.")
    boolean raw;

    @Option(names = "--config", description = "Print the image config (JSON).")
    boolean config;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        Inspection inspection;
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            inspection = client.inspect(reference, platform);
        }
        PrintWriter out = output.out;
        if (raw) {
            ManifestPayload m = inspection.image() != null ? inspection.image() : inspection.manifest();
            out.print(new String(m.bytes(), StandardCharsets.UTF_8));
            out.flush();
            return ExitCodes.OK;
        }
        if (config) {
            if (inspection.config() == null) {
                throw new IllegalArgumentException(reference + " is a multi-platform image: choose one with --platform");
            }
            out.println(Output.json().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(Output.json().readTree(inspection.config())));
            out.flush();
            return ExitCodes.OK;
        }
        if (output.mode == Output.Mode.JSON) {
            ObjectNode n = output.object();
            n.put("reference", reference.toString());
            n.put("digest", inspection.manifest().digest().toString());
            n.put("mediaType", inspection.manifest().mediaType());
            n.set("manifest", Output.json().readTree(inspection.manifest().bytes()));
            if (inspection.image() != null && inspection.image() != inspection.manifest()) {
                n.put("imageDigest", inspection.image().digest().toString());
                n.set("image", Output.json().readTree(inspection.image().bytes()));
            }
            if (inspection.config() != null) {
                n.set("config", Output.json().readTree(inspection.config()));
            }
            output.printJson(n);
            return ExitCodes.OK;
        }
        describe(out, inspection);
        out.flush();
        return ExitCodes.OK;
    }

    private void describe(PrintWriter out, Inspection inspection) {
        ManifestPayload m = inspection.manifest();
        out.printf("Reference:   %s%n", reference);
        out.printf("Digest:      %s%n", m.digest());
        out.printf("Media type:  %s%n", m.mediaType());
        if (m.isIndex()) {
            out.printf("Manifests:   %d%n", m.manifests().size());
            for (Descriptor d : m.manifests()) {
                String what = d.platform() != null ? d.platform().toString()
                        : d.artifactType() != null ? d.artifactType() : d.mediaType();
                out.printf(Locale.ROOT, "  %-22s %s %9s%n", what, d.digest(), Sizes.bytes(d.size()));
            }
        }
        ManifestPayload image = inspection.image();
        if (image == null) {
            if (m.isIndex()) {
                out.println("(use --platform OS/ARCH to see one image's layers and config)");
            }
            return;
        }
        if (image != m) {
            out.printf("Image:       %s (%s)%n", image.digest(), platform);
        }
        if (m.subject() != null) {
            out.printf("Subject:     %s%n", m.subject().digest());
        }
        if (!image.annotations().isEmpty()) {
            out.println("Annotations:");
            image.annotations().forEach((k, v) -> out.printf("  %s=%s%n", k, v));
        }
        long total = image.config() == null ? 0 : image.config().size();
        out.printf(Locale.ROOT, "Config:      %s %s %s%n", image.config().digest(), Sizes.bytes(image.config().size()),
                image.config().mediaType());
        if (inspection.config() != null) {
            describeConfig(out, inspection.config());
        }
        out.printf("Layers:      %d%n", image.layers().size());
        for (Descriptor layer : image.layers()) {
            total += layer.size();
            out.printf(Locale.ROOT, "  %s %9s  %s%n", layer.digest(), Sizes.bytes(layer.size()), layer.mediaType());
        }
        out.printf("Total size:  %s%n", Sizes.bytes(total));
    }

    private static void describeConfig(PrintWriter out, byte[] bytes) {
        JsonNode c;
        try {
            c = Output.json().readTree(bytes);
        } catch (RuntimeException e) {
            return;
        }
        if (c == null || !c.isObject()) {
            return;
        }
        String platform = c.path("os").asString("") + "/" + c.path("architecture").asString("")
                + (c.path("variant").asString("").isEmpty() ? "" : "/" + c.path("variant").asString(""));
        if (!platform.equals("/")) {
            out.printf("  Platform:  %s%n", platform);
        }
        if (!c.path("created").asString("").isEmpty()) {
            out.printf("  Created:   %s%n", c.path("created").asString(""));
        }
        JsonNode cfg = c.path("config");
        print(out, "Entrypoint", cfg.get("Entrypoint"));
        print(out, "Cmd", cfg.get("Cmd"));
        print(out, "WorkingDir", cfg.get("WorkingDir"));
        print(out, "User", cfg.get("User"));
        JsonNode env = cfg.get("Env");
        if (env != null && env.isArray() && !env.isEmpty()) {
            out.println("  Env:");
            env.forEach(e -> out.printf("    %s%n", e.asString()));
        }
        JsonNode labels = cfg.get("Labels");
        if (labels != null && labels.isObject() && !labels.isEmpty()) {
            out.println("  Labels:");
            for (Map.Entry<String, JsonNode> e : labels.properties()) {
                out.printf("    %s=%s%n", e.getKey(), e.getValue().asString());
            }
        }
    }

    private static void print(PrintWriter out, String name, JsonNode value) {
        if (value == null || value.isNull() || (value.isString() && value.asString().isEmpty())
                || (value.isArray() && value.isEmpty())) {
            return;
        }
        out.printf(Locale.ROOT, "  %-10s %s%n", name + ":", value.isString() ? value.asString() : value.toString());
    }
}
