package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.PushOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf push SOURCE REFERENCE}. */
@Command(mixinStandardHelpOptions = true, name = "push", sortOptions = false,
        description = {"Push an image from an OCI image layout (directory or tar) or a `docker save` archive.",
                "Blobs the registry has are skipped, known ones are mounted from other repositories,"
                        + " uncompressed layers are gzipped on the way (--compression none keeps them as they are)."})
final class PushCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "OCI layout directory or tar, or docker save archive.")
    Path source;

    @Parameters(index = "1", paramLabel = "REFERENCE", converter = ReferenceConverter.class,
            description = "Where to push: [registry[:port]/]name[:tag][@digest].")
    ImageReference target;

    @Option(names = "--compression", paramLabel = "gzip|none", defaultValue = "gzip",
            description = "What to do with uncompressed layers (default: ${DEFAULT-VALUE}).")
    String compression = "gzip";

    @Option(names = "--gzip-level", paramLabel = "1-9", defaultValue = "1",
            description = "Deflate level for --compression gzip (default: ${DEFAULT-VALUE}, fastest).")
    int gzipLevel = 1;

    @Option(names = "--source-name", paramLabel = "NAME",
            description = "Which image of the source: an OCI layout ref name or a docker archive RepoTag.")
    String sourceName;

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
        PushOptions.Compression c = switch (compression.toLowerCase(java.util.Locale.ROOT)) {
            case "gzip" -> PushOptions.Compression.GZIP;
            case "none" -> PushOptions.Compression.NONE;
            default -> throw new IllegalArgumentException("--compression must be gzip or none, not " + compression);
        };
        PushOptions options = new PushOptions(c, gzipLevel, sourceName);
        return transfer.run("pushed", spec, outputOptions, connection, client -> client.push(source, target, options));
    }
}
