package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.DockerConfig;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wharf login HOST}: checks credentials with the registry, then stores them like {@code docker login}. */
@Command(mixinStandardHelpOptions = true, name = "login", sortOptions = false,
        description = {"Log in to a registry: the credentials are checked, then stored in the Docker config file",
                "(the same file and format `docker login` uses)."})
final class LoginCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST[:PORT]", defaultValue = ImageReference.DOCKER_HUB,
            description = "The registry (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-u", "--username"}, paramLabel = "USER")
    String username;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password or access token (visible to other users of this machine: prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from standard input.")
    boolean passwordStdin;

    @Mixin
    ConnectionOptions connection;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String registry = ImageReference.parse(host + "/x").registry();
        Console console = System.console();
        if (username == null) {
            if (console == null) {
                throw new IllegalArgumentException("no user name: give one with --username");
            }
            username = console.readLine("Username: ");
        }
        if (passwordStdin) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = in.readLine();
            password = line == null ? "" : line.strip();
        } else if (password == null) {
            if (console == null) {
                throw new IllegalArgumentException("no password: give one with --password-stdin");
            }
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        }
        if (username.isBlank() || password.isEmpty()) {
            throw new IllegalArgumentException("user name and password must not be empty");
        }
        Credentials.Basic credentials = new Credentials.Basic(username, password);
        try (RegistryClient client = connection.client(TransferListener.NONE)) {
            client.login(registry, credentials);
        }
        DockerConfig config = connection.dockerConfig();
        config.store(registry, credentials);
        spec.commandLine().getOut().println("Login succeeded: " + registry + " (credentials stored in " + config.file() + ")");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
