package dev.wharf.testing;

import dev.wharf.server.storage.StorageConfiguration;
import dev.wharf.server.storage.StorageProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: s3proxy, in-process, over jclouds' filesystem storage,
 * with AWS v4 signatures checked, on a free loopback port.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "wharf-test";
    public static final String SECRET_KEY = "wharf-test-secret";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Path dir;

    private S3Server(S3Proxy proxy, BlobStoreContext context, Path dir) {
        this.proxy = proxy;
        this.context = context;
        this.dir = dir;
    }

    public static S3Server start() {
        try {
            Path dir = Files.createTempDirectory("wharf-s3-");
            Properties properties = new Properties();
            properties.setProperty("jclouds.filesystem.basedir", dir.toString());
            BlobStoreContext context = ContextBuilder.newBuilder("filesystem")
                    .credentials(ACCESS_KEY, SECRET_KEY)
                    .overrides(properties)
                    .buildView(BlobStoreContext.class);
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(context.getBlobStore())
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
                }
                Thread.sleep(20);
            }
            return new S3Server(proxy, context, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start s3proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Store settings pointing at this server. */
    public StorageProperties.S3 properties(String bucket, String prefix, long partSize) {
        return new StorageProperties.S3(endpoint().toString(), "us-east-1", bucket, prefix, true, ACCESS_KEY,
                SECRET_KEY, DataSize.ofBytes(partSize), false, java.time.Duration.ofMinutes(5),
                null, true, java.time.Duration.ofMinutes(1), 200);
    }

    /** Spring properties that make a Wharf server use this S3 server. */
    public Map<String, String> serverProperties(String bucket) {
        return Map.of(
                "wharf.storage.type", "s3",
                "wharf.storage.s3.endpoint", endpoint().toString(),
                "wharf.storage.s3.bucket", bucket,
                "wharf.storage.s3.path-style", "true",
                "wharf.storage.s3.access-key", ACCESS_KEY,
                "wharf.storage.s3.secret-key", SECRET_KEY,
                "wharf.storage.s3.create-bucket", "true",
                "wharf.storage.s3.part-size", "5MB");
    }

    /** A client for this server, configured like Wharf's. */
    public S3Client client() {
        return StorageConfiguration.s3Client(properties("unused", null, 5L * 1024 * 1024));
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // going away anyway
        }
        context.close();
        Tools.run(Path.of("/"), 30, "rm", "-rf", dir.toString());
    }
}
