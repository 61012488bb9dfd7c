package dev.wharf.server.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.server.storage.StorageUnavailableException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Which failed S3 calls ask the client to come back later (503), and which are the registry's fault (500). */
class S3FailureTests {

    @Test
    void anUnreachableOrSlowStoreIsUnavailable() {
        assertThat(S3BlobStore.failure("S3 HEAD k", SdkClientException.create("Connection reset")))
                .isInstanceOf(StorageUnavailableException.class).hasMessageStartingWith("S3 HEAD k: ");
        assertThat(S3BlobStore.failure("S3 PUT k", ApiCallTimeoutException.create(3000)))
                .isInstanceOf(StorageUnavailableException.class);
    }

    @Test
    void theStoresOwnFaultsAndThrottlingAreUnavailable() {
        for (int status : new int[] {500, 503, 429}) {
            assertThat(S3BlobStore.failure("S3 PUT k", (S3Exception) S3Exception.builder().statusCode(status).build()))
                    .as("%d", status).isInstanceOf(StorageUnavailableException.class);
        }
    }

    @Test
    void refusalsOfTheRequestAreNot() {
        for (int status : new int[] {400, 403, 404}) {
            assertThat(S3BlobStore.failure("S3 PUT k", (S3Exception) S3Exception.builder().statusCode(status).build()))
                    .as("%d", status).isNotInstanceOf(StorageUnavailableException.class);
        }
    }
}
