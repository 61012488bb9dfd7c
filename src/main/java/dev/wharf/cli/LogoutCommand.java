package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.registry.DockerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf logout HOST}. */
@Command(mixinStandardHelpOptions = true, name = "logout", description = "Remove stored credentials for a registry.")
final class LogoutCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST[:PORT]", defaultValue = ImageReference.DOCKER_HUB,
            description = "The registry (default: ${DEFAULT-VALUE}).")
    String host;

    @Mixin
    ConnectionOptions connection;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String registry = ImageReference.parse(host + "/x").registry();
        DockerConfig config = connection.dockerConfig();
        boolean removed = config.remove(registry);
        spec.commandLine().getOut().println(removed ? "Removed credentials for " + registry + " from " + config.file()
                : "Not logged in to " + registry);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
