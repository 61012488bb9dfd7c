package dev.wharf.cli;

import dev.wharf.client.ImageReference;
import picocli.CommandLine;

/** {@code [registry[:port]/]name[:tag][@digest]}. */
final class ReferenceConverter implements CommandLine.ITypeConverter<ImageReference> {
    @Override
    public ImageReference convert(String value) {
        try {
            return ImageReference.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
