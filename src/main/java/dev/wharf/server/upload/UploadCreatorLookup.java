package dev.wharf.server.upload;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.UploadCreators;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Tells access control who started an upload session. */
@Component
class UploadCreatorLookup implements UploadCreators {

    private final Uploads uploads;

    UploadCreatorLookup(Uploads uploads) {
        this.uploads = uploads;
    }

    @Override
    public Optional<String> creatorOf(RepositoryName repository, UUID id) {
        return uploads.creator(repository, id);
    }
}
