package dev.wharf.server.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded database's superuser password: 32 random bytes, created once and kept in a file that
 * only the server's user can read. Whoever can read the file can read the database, exactly as
 * whoever can read the data directory can; nobody else can.
 */
final class DatabasePassword {

    private static final Logger log = LoggerFactory.getLogger(DatabasePassword.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private DatabasePassword() {
    }

    /** The password kept in {@code file}, created (0600) on first use. */
    static String readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                writePrivate(file, password);
                log.info("generated the embedded database password in {}", file);
                return password;
            } catch (FileAlreadyExistsException raced) {
                // another start made it first: use that one
            }
        }
        tighten(file);
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IllegalStateException("the embedded database password file " + file
                    + " is empty: restore it from a backup, or delete it together with the data directory's"
                    + " postgres/ folder to start over");
        }
        return password;
    }

    /** A throw-away file for initdb's {@code --pwfile}, next to the data directory, 0600. */
    static Path writeInitdbFile(Path dataDir, String password) throws IOException {
        Path file = dataDir.resolve(EmbeddedDatabaseConfiguration.PASSWORD_FILE + ".initdb");
        Files.deleteIfExists(file);
        writePrivate(file, password + "\n");
        return file;
    }

    private static void writePrivate(Path file, String content) throws IOException {
        if (posix(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void tighten(Path file) throws IOException {
        if (!posix(file)) {
            return;
        }
        Set<PosixFilePermission> current = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(current)) {
            log.warn("{} was readable by others ({}): restricting it to its owner", file,
                    PosixFilePermissions.toString(current));
            Files.setPosixFilePermissions(file, EnumSet.copyOf(OWNER_ONLY));
        }
    }

    private static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
