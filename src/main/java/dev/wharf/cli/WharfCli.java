package dev.wharf.cli;

import dev.wharf.client.registry.RegistryException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code wharf} command line. {@code wharf serve} starts the registry server; the other
 * commands are clients and never start Spring (nor load it: they use only the JDK, Jackson and
 * picocli).
 */
@Command(name = "wharf", mixinStandardHelpOptions = true, versionProvider = WharfCli.Version.class,
        description = "Wharf: an OCI container registry and its push/pull client.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:other failure", "2:usage error", "3:authentication required or access denied",
                "4:not found", "5:registry unreachable or failing", "6:content did not match its digest"})
public final class WharfCli implements Callable<Integer> {

    /**
     * The subcommands, in the order {@code wharf --help} lists them. Built on demand: picocli reads
     * the annotations of only the command being run, which keeps start-up short.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("serve", ServeCommand::new);
        COMMANDS.put("push", PushCommand::new);
        COMMANDS.put("pull", PullCommand::new);
        COMMANDS.put("copy", CopyCommand::new);
        COMMANDS.put("login", LoginCommand::new);
        COMMANDS.put("logout", LogoutCommand::new);
        COMMANDS.put("tags", TagsCommand::new);
        COMMANDS.put("catalog", CatalogCommand::new);
        COMMANDS.put("inspect", InspectCommand::new);
        COMMANDS.put("rm", RmCommand::new);
        COMMANDS.put("referrers", ReferrersCommand::new);
    }

    private static final Map<String, String> ALIASES = Map.of("cp", "copy", "delete", "rm");

    public static void main(String[] args) {
        String command = command(args);
        if (command != null && !command.equals("serve")) {
            if (command.equals("push") || command.equals("pull") || command.equals("copy")) {
                StartUp.warmUpDigest();
            }
            StartUp.warmUp();
            // larger socket reads than the JDK's 16 KiB: a third less CPU per byte downloaded
            // (read once, when the JDK client loads)
            if (System.getProperty("jdk.httpclient.bufsize") == null) {
                System.setProperty("jdk.httpclient.bufsize", Integer.toString(1024 * 1024));
            }
        }
        int code = run(args);
        if (code != ServeCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /** The subcommand {@code args} name, or null. */
    private static String command(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                String name = ALIASES.getOrDefault(a, a);
                return COMMANDS.containsKey(name) ? name : null;
            }
        }
        return null;
    }

    /**
     * The command line with Wharf's error handling: one message and a distinct exit code per kind
     * of failure. Only the subcommand {@code args} name is built (all of them when none is named).
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new WharfCli());
        String command = command(args);
        boolean versionOnly = command == null && args.length == 1 && (args[0].equals("-V") || args[0].equals("--version"));
        if (!versionOnly) {
            for (Map.Entry<String, Supplier<Object>> e : COMMANDS.entrySet()) {
                if (command == null || command.equals(e.getKey())) {
                    cli.addSubcommand(e.getKey(), e.getValue().get());
                }
            }
        }
        cli.setExitCodeExceptionMapper(ExitCodes::of);
        cli.setParameterExceptionHandler((e, arguments) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("wharf: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("wharf: " + message(e));
            err.flush();
            return ExitCodes.of(e);
        });
        return cli;
    }

    private static String message(Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof RegistryException.Unavailable && e.getCause() instanceof java.net.ConnectException) {
            return message + " (is the registry running? plain HTTP needs --plain-http HOST unless it is on loopback)";
        }
        if (e instanceof java.io.UncheckedIOException u && u.getCause() instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + u.getCause().getMessage();
        }
        return message;
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** The version from the jar's manifest. */
    static String version() {
        String v = WharfCli.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = WharfCli.class.getPackage().getImplementationVersion();
            return new String[] {"wharf " + (v == null ? "(development build)" : v)};
        }
    }
}
