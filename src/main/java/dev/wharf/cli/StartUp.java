package dev.wharf.cli;

import dev.wharf.oci.DigestAlgorithm;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Start-up work done on side threads while the main thread parses the command line and sets up
 * the HTTP client: on two cores this takes a few hundred milliseconds off each command.
 *
 * <ul>
 *   <li>Jackson, the manifest parser and the JDK's TLS provider are loaded and initialised.</li>
 *   <li>For transfers, SHA-256 is hashed a little so that HotSpot compiles it early. Until its
 *       optimising compiler has replaced the Java code with the CPU's SHA instructions, hashing
 *       runs at about a tenth of the speed (and in the interpreter at a thousandth); without this,
 *       the first second of a transfer is spent hashing slowly.</li>
 * </ul>
 */
final class StartUp {

    /** Enough 64 KiB updates for the hashing loop to be compiled (measured: about 8 MiB). */
    private static final int WARM_UP_UPDATES = 128;

    private StartUp() {
    }

    static void warmUpDigest() {
        Thread t = new Thread(() -> {
            MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < WARM_UP_UPDATES; i++) {
                md.update(block);
            }
            md.digest();
        }, "wharf-digest-warm-up");
        t.setDaemon(true);
        t.start();
    }

    static void warmUp() {
        Thread t = new Thread(() -> {
            try {
                dev.wharf.client.registry.Json.MAPPER.readTree("{\"warm\":[1]}");
                Class.forName("dev.wharf.oci.ManifestPayload", true, StartUp.class.getClassLoader());
                // the JDK HTTP client needs a TLS context even for plain HTTP: set up its provider
                SSLContext.getInstance("TLS").init(new KeyManager[0], new TrustManager[0], null);
            } catch (ReflectiveOperationException | GeneralSecurityException | RuntimeException | LinkageError ignored) {
                // the command will meet the same problem and report it
            }
        }, "wharf-start-up");
        t.setDaemon(true);
        t.start();
    }
}
