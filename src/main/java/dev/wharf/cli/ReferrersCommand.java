package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.archive.ManifestJson;
import dev.wharf.oci.Descriptor;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;

/** {@code wharf referrers REFERENCE}. */
@Command(mixinStandardHelpOptions = true, name = "referrers",
        description = {"List the manifests that refer to an image (signatures, SBOMs...), through the referrers API",
                "or, on registries without it, the referrers tag schema."})
final class ReferrersCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REFERENCE", converter = ReferenceConverter.class)
    ImageReference reference;

    @Option(names = "--artifact-type", paramLabel = "TYPE", description = "Only referrers of this artifact type.")
    String artifactType;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        List<Descriptor> referrers;
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            referrers = client.referrers(reference, artifactType);
        }
        if (output.mode == Output.Mode.JSON) {
            ArrayNode a = Output.json().createArrayNode();
            referrers.forEach(d -> a.add(ManifestJson.descriptor(d, d.annotations(), null, true)));
            output.printJson(a);
        } else {
            for (Descriptor d : referrers) {
                output.out.printf(Locale.ROOT, "%s  %-45s %9s%s%n", d.digest(),
                        d.artifactType() == null ? "-" : d.artifactType(), Sizes.bytes(d.size()),
                        d.annotations().isEmpty() ? "" : "  " + d.annotations());
            }
            output.out.flush();
        }
        return ExitCodes.OK;
    }
}
