package dev.wharf.cli;

import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferResult;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

import picocli.CommandLine.Option;

/** Options of the commands that move blobs. */
final class TransferOptions {

    @Option(names = {"-j", "--parallel"}, paramLabel = "N", defaultValue = "6",
            description = "Blobs to move at once (default: ${DEFAULT-VALUE}).")
    int parallel = 6;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "64MiB", converter = ByteSizeConverter.class,
            description = "Upload blobs larger than this in chunks of this size, e.g. 16MiB (default: ${DEFAULT-VALUE}).")
    long chunkSize = 64L * 1024 * 1024;

    /**
     * Runs one transfer the way every transfer command does: progress on the command's output,
     * a client with these options, the summary at the end.
     *
     * @param verb what the summary says, e.g. {@code pushed}
     */
    int run(String verb, CommandSpec spec, Output.Options outputOptions, ConnectionOptions connection,
            Function<RegistryClient, TransferResult> transfer) {
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        TransferResult result;
        try (Output.Progress progress = output.progress(verb);
             RegistryClient client = connection.client(parallel, chunkSize, progress)) {
            result = transfer.apply(client);
        }
        output.result(verb, result);
        return ExitCodes.OK;
    }

    /** Parses {@code 123}, {@code 64k}, {@code 16MiB}, {@code 1GB} (binary multiples). */
    static final class ByteSizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT).replace("ib", "").replace("b", "");
            long unit = 1;
            if (v.endsWith("k")) {
                unit = 1024;
            } else if (v.endsWith("m")) {
                unit = 1024 * 1024;
            } else if (v.endsWith("g")) {
                unit = 1024L * 1024 * 1024;
            }
            if (unit > 1) {
                v = v.substring(0, v.length() - 1);
            }
            try {
                return Long.parseLong(v.trim()) * unit;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("not a size: " + value);
            }
        }
    }
}
