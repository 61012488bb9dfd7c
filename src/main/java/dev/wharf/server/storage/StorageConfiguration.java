package dev.wharf.server.storage;

import dev.wharf.server.storage.filesystem.FilesystemBlobStore;
import dev.wharf.server.storage.s3.S3BlobStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the configured {@link BlobStore}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageProperties.class)
public class StorageConfiguration {

    @Bean
    RunningDigests runningDigests() {
        return new RunningDigests(10_000);
    }

    @Bean
    BlobStore blobStore(StorageProperties properties, RunningDigests runningDigests,
                        @Value("${wharf.data-dir}") Path dataDir) throws IOException {
        if (properties.type() == StorageProperties.Type.S3) {
            return s3Store(properties.s3(), runningDigests);
        }
        Path root = properties.filesystem().root() != null ? properties.filesystem().root() : dataDir.resolve("storage");
        return new FilesystemBlobStore(root, runningDigests);
    }

    private static BlobStore s3Store(StorageProperties.S3 s3, RunningDigests runningDigests) throws IOException {
        if (s3.bucket() == null || s3.bucket().isBlank()) {
            throw new IllegalStateException("wharf.storage.type=s3 needs wharf.storage.s3.bucket");
        }
        S3Client client = s3Client(s3);
        ensureBucket(client, s3);
        S3Presigner presigner = null;
        if (s3.redirect()) {
            S3Presigner.Builder b = S3Presigner.builder()
                    .region(Region.of(s3.region()))
                    .credentialsProvider(credentials(s3))
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(s3.pathStyle()).build());
            if (hasText(s3.endpoint())) {
                b.endpointOverride(URI.create(s3.endpoint()));
            }
            presigner = b.build();
        }
        Path spool = s3.spoolDirectory() != null ? s3.spoolDirectory()
                : Path.of(System.getProperty("java.io.tmpdir"), "wharf-spool");
        return new S3BlobStore(client, presigner, s3.bucket(), s3.prefix(), s3.partSize().toBytes(), spool,
                runningDigests);
    }

    /** How long to wait for a TCP connection to S3. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a response (or a download's next byte) may keep S3 silent. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /** How long to wait for a free connection when all {@code max-connections} are busy. */
    static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * An S3 client that works with S3-compatible servers: checksums only where the API requires them
     * (many servers reject the SDK's default trailing checksums), optional path-style addressing.
     * No call can hang a request: every operation ends within {@code call-timeout} (the SDK's
     * retries included; it aborts a blocked write too), connecting within {@link #CONNECT_TIMEOUT},
     * and a silent read within {@link #READ_TIMEOUT}.
     */
    public static S3Client s3Client(StorageProperties.S3 s3) {
        var builder = S3Client.builder()
                .region(Region.of(s3.region()))
                .credentialsProvider(credentials(s3))
                .forcePathStyle(s3.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT)
                        .connectionAcquisitionTimeout(ACQUIRE_TIMEOUT)
                        .maxConnections(s3.maxConnections()))
                .overrideConfiguration(o -> o.apiCallTimeout(s3.callTimeout()));
        if (hasText(s3.endpoint())) {
            builder.endpointOverride(URI.create(s3.endpoint()));
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(StorageProperties.S3 s3) {
        if (hasText(s3.accessKey())) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private static void ensureBucket(S3Client client, StorageProperties.S3 s3) {
        try {
            client.headBucket(b -> b.bucket(s3.bucket()));
        } catch (NoSuchBucketException e) {
            createOrFail(client, s3);
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw new IllegalStateException("cannot reach S3 bucket " + s3.bucket() + ": " + e.getMessage(), e);
            }
            createOrFail(client, s3);
        }
    }

    private static void createOrFail(S3Client client, StorageProperties.S3 s3) {
        if (!s3.createBucket()) {
            throw new IllegalStateException("S3 bucket " + s3.bucket()
                    + " does not exist (create it, or set wharf.storage.s3.create-bucket=true)");
        }
        client.createBucket(b -> b.bucket(s3.bucket()));
    }

    private static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }
}
