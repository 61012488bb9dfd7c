package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf rm REFERENCE}. */
@Command(mixinStandardHelpOptions = true, name = "rm", aliases = "delete",
        description = {"Delete a manifest (name@digest), or a tag (name:tag).",
                "With --manifest, a tag's manifest is deleted (and with it every tag pointing at it)."})
final class RmCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REFERENCE", converter = ReferenceConverter.class)
    ImageReference reference;

    @Option(names = {"-m", "--manifest"}, description = "Delete the manifest a tag points to, not only the tag.")
    boolean manifest;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            client.delete(reference, manifest);
        }
        if (output.mode == Output.Mode.JSON) {
            output.printJson(output.object().put("deleted", reference.toString()));
        } else if (output.mode != Output.Mode.QUIET) {
            output.out.println("deleted " + reference);
            output.out.flush();
        }
        return ExitCodes.OK;
    }
}
