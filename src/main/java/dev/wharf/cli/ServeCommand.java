package dev.wharf.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code wharf serve}: starts the registry server. The server class is looked up by name so that
 * the CLI does not depend on Spring; arguments are passed on as Spring Boot arguments
 * (e.g. {@code --server.port=5001}).
 */
@Command(name = "serve", description = "Start the registry server (settings as --name=value or environment).")
final class ServeCommand implements Callable<Integer> {

    static final String SERVER_CLASS = "dev.wharf.server.WharfServerApplication";

    /** Returned once the server runs: the JVM must stay up, serving, instead of exiting. */
    static final int KEEP_RUNNING = Integer.MIN_VALUE;

    @Unmatched
    String[] springArguments = new String[0];

    @Override
    public Integer call() throws Exception {
        Class<?> server = Class.forName(SERVER_CLASS);
        Method main = server.getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) springArguments);
        } catch (InvocationTargetException e) {
            // Spring Boot has logged why; say it in one line rather than "InvocationTargetException"
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new IllegalStateException("the server did not start: "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()), e.getCause());
        }
        return KEEP_RUNNING;
    }
}
