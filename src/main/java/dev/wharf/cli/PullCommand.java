package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.PullOptions;
import dev.wharf.oci.Descriptor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf pull REFERENCE DESTINATION}. */
@Command(mixinStandardHelpOptions = true, name = "pull", sortOptions = false,
        description = {"Pull an image into an OCI image layout directory, or into a tar `docker load` accepts.",
                "Every blob is verified while it streams; nothing unverified is left in place."})
final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REFERENCE", converter = ReferenceConverter.class,
            description = "What to pull: [registry[:port]/]name[:tag][@digest].")
    ImageReference source;

    @Parameters(index = "1", paramLabel = "DESTINATION",
            description = "A directory (OCI layout), or a file ending in .tar (docker archive).")
    Path target;

    @Option(names = "--format", paramLabel = "oci|docker-archive",
            description = "What to write (default: docker-archive for *.tar, else oci).")
    String format;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = PlatformConverter.class,
            description = "The platform to take from a multi-platform image, e.g. linux/arm64"
                    + " (default: all for an OCI layout, the host's for a docker archive).")
    Descriptor.Platform platform;

    @Option(names = "--name", paramLabel = "NAME", description = "The ref name in the OCI layout (default: the tag).")
    String name;

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
        PullOptions.Format f = null;
        if (format != null) {
            f = switch (format.toLowerCase(java.util.Locale.ROOT)) {
                case "oci", "oci-layout" -> PullOptions.Format.OCI_LAYOUT;
                case "docker-archive", "docker" -> PullOptions.Format.DOCKER_ARCHIVE;
                default -> throw new IllegalArgumentException("--format must be oci or docker-archive, not " + format);
            };
        }
        PullOptions options = new PullOptions(f, platform, name);
        return transfer.run("pulled", spec, outputOptions, connection, client -> client.pull(source, target, options));
    }
}
