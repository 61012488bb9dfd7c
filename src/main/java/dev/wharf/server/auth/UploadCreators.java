package dev.wharf.server.auth;

import dev.wharf.oci.RepositoryName;
import java.util.Optional;
import java.util.UUID;

/**
 * Who started an upload session (the subject recorded when it was created), for the grace that
 * lets a push finish after its token expired. Implemented by the upload feature.
 */
public interface UploadCreators {

    /** The subject that started upload {@code id} of {@code repository}; empty when unknown or anonymous. */
    Optional<String> creatorOf(RepositoryName repository, UUID id);
}
