package dev.wharf.cli;

import dev.wharf.client.CopyOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.oci.Descriptor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf copy SOURCE DESTINATION}. */
@Command(mixinStandardHelpOptions = true, name = "copy", aliases = "cp", sortOptions = false,
        description = {"Copy an image from one registry or repository to another, streaming (no temporary files).",
                "A multi-platform image is copied with every platform unless --platform chooses one."})
final class CopyCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", converter = ReferenceConverter.class)
    ImageReference source;

    @Parameters(index = "1", paramLabel = "DESTINATION", converter = ReferenceConverter.class)
    ImageReference target;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = PlatformConverter.class,
            description = "Copy only this platform of a multi-platform image.")
    Descriptor.Platform platform;

    @Option(names = {"-r", "--referrers"}, description = "Copy the referrers too (signatures, SBOMs, attestations).")
    boolean referrers;

    @Mixin
    TransferOptions transfer;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return transfer.run("copied", spec, outputOptions, connection,
                client -> client.copy(source, target, new CopyOptions(platform, referrers)));
    }
}
