package dev.wharf.server.storage;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where blobs are kept ({@code wharf.storage.*}).
 *
 * @param type       {@code filesystem} (default) or {@code s3}
 * @param filesystem settings of the filesystem store
 * @param s3         settings of the S3 store
 */
@ConfigurationProperties("wharf.storage")
public record StorageProperties(@DefaultValue("filesystem") Type type,
                                @DefaultValue Filesystem filesystem,
                                @DefaultValue S3 s3) {

    public enum Type { FILESYSTEM, S3 }

    /**
     * @param root the directory holding {@code blobs/} and {@code uploads/}; defaults to
     *             {@code <wharf.data-dir>/storage}
     */
    public record Filesystem(Path root) {
    }

    /**
     * @param endpoint        the S3 API URL of an S3-compatible server (MinIO, Ceph, R2...); empty for AWS
     * @param region          the region to sign for
     * @param bucket          the bucket (required)
     * @param prefix          a key prefix, so several registries can share a bucket
     * @param pathStyle       address the bucket in the path rather than the host name (most
     *                        S3-compatible servers need this)
     * @param accessKey       the access key; empty to use the SDK's default credential chain
     * @param secretKey       the secret key
     * @param partSize        the size of every multipart part but the last (at least 5MB); also
     *                        advertised as {@code OCI-Chunk-Min-Length}
     * @param redirect        answer blob GETs with a redirect to a presigned URL
     * @param redirectTtl     how long a presigned URL stays valid
     * @param spoolDirectory  local scratch space for parts being assembled; defaults to the JVM's
     *                        temporary directory
     * @param createBucket    create the bucket at start-up when it does not exist
     * @param callTimeout     the longest one S3 operation may take, the SDK's retries included; a
     *                        request that needs it is then answered 503. It covers a download until
     *                        its body starts (the body streams, failing after 30 s without a byte),
     *                        and a whole part upload: raise it with {@code part-size} on slow links
     * @param maxConnections  connections to S3 kept open at most; every download from S3 holds one
     *                        while it streams, so as many as the server has request threads
     */
    public record S3(String endpoint,
                     @DefaultValue("us-east-1") String region,
                     String bucket,
                     String prefix,
                     @DefaultValue("false") boolean pathStyle,
                     String accessKey,
                     String secretKey,
                     @DefaultValue("16MB") DataSize partSize,
                     @DefaultValue("false") boolean redirect,
                     @DefaultValue("20m") Duration redirectTtl,
                     Path spoolDirectory,
                     @DefaultValue("false") boolean createBucket,
                     @DefaultValue("1m") Duration callTimeout,
                     @DefaultValue("200") int maxConnections) {
    }
}
