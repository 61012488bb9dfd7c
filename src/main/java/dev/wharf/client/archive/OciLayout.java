package dev.wharf.client.archive;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.oci.OciException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Reads an OCI image layout (a directory or a tar of one): {@code oci-layout}, {@code index.json}
 * and content-addressed {@code blobs/<algorithm>/<encoded>}.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">image-spec: Image Layout</a>
 */
public final class OciLayout {

    /** The annotation naming an index entry (a tag). */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private static final int MAX_MANIFEST = 16 * 1024 * 1024;

    private final LocalFiles files;

    public OciLayout(LocalFiles files) {
        this.files = files;
    }

    /** True when the files hold an OCI layout. */
    public static boolean isLayout(LocalFiles files) throws IOException {
        return files.exists("oci-layout") && files.exists("index.json");
    }

    public LocalFiles files() {
        return files;
    }

    /** The top-level index; {@code index.json} need not carry a mediaType. */
    public ManifestPayload index() throws IOException {
        byte[] bytes = files.read("index.json", MAX_MANIFEST);
        try {
            return ManifestPayload.parse(bytes, MediaTypes.OCI_INDEX);
        } catch (OciException e) {
            throw new IOException(files.describe() + ": index.json is not a valid OCI index: " + e.getMessage(), e);
        }
    }

    /** The entries of {@code index.json}. */
    public List<Descriptor> entries() throws IOException {
        return index().manifests();
    }

    public static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm().prefix() + "/" + digest.hex();
    }

    /** A blob's size on disk, or -1 when the layout does not hold it. */
    public long blobSize(Digest digest) throws IOException {
        return files.size(blobPath(digest));
    }

    public InputStream openBlob(Digest digest, long offset) throws IOException {
        return files.open(blobPath(digest), offset);
    }

    /** Reads and verifies a manifest blob. */
    public ManifestPayload manifest(Descriptor descriptor) throws IOException {
        byte[] bytes = files.read(blobPath(descriptor.digest()), MAX_MANIFEST);
        Digest actual = Digest.of(descriptor.digest().algorithm(), bytes);
        if (!actual.equals(descriptor.digest())) {
            throw new IOException(files.describe() + ": blob " + descriptor.digest() + " has digest " + actual);
        }
        try {
            return ManifestPayload.parse(bytes, descriptor.mediaType(), descriptor.digest().algorithm());
        } catch (OciException e) {
            throw new IOException(files.describe() + ": manifest " + descriptor.digest() + ": " + e.getMessage(), e);
        }
    }
}
