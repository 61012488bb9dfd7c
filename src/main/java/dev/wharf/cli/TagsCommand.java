package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code wharf tags REPOSITORY}. */
@Command(mixinStandardHelpOptions = true, name = "tags", description = "List the tags of a repository.")
final class TagsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REPOSITORY", converter = ReferenceConverter.class,
            description = "[registry[:port]/]name")
    ImageReference repository;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        List<String> tags;
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            tags = client.tags(repository);
        }
        if (output.mode == Output.Mode.JSON) {
            ObjectNode n = output.object();
            n.put("name", repository.registry() + "/" + repository.repository());
            ArrayNode a = n.putArray("tags");
            tags.forEach(a::add);
            output.printJson(n);
        } else {
            PrintWriter out = output.out;
            tags.forEach(out::println);
            out.flush();
        }
        return ExitCodes.OK;
    }
}
