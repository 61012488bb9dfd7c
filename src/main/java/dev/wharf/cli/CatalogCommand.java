package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code wharf catalog HOST}. */
@Command(mixinStandardHelpOptions = true, name = "catalog", description = "List the repositories of a registry.")
final class CatalogCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HOST[:PORT]")
    String host;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    Output.Options outputOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String registry = ImageReference.parse(host + "/x").registry();
        Output output = outputOptions.output(spec.commandLine().getOut(), spec.commandLine().getErr());
        List<String> repositories;
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            repositories = client.catalog(registry);
        }
        if (output.mode == Output.Mode.JSON) {
            ObjectNode n = output.object();
            ArrayNode a = n.putArray("repositories");
            repositories.forEach(a::add);
            output.printJson(n);
        } else {
            repositories.forEach(output.out::println);
            output.out.flush();
        }
        return ExitCodes.OK;
    }
}
