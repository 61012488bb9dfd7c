package dev.wharf.cli;

import dev.wharf.oci.Descriptor;
import picocli.CommandLine;

/** {@code os/arch[/variant]}, e.g. {@code linux/arm64}. */
final class PlatformConverter implements CommandLine.ITypeConverter<Descriptor.Platform> {
    @Override
    public Descriptor.Platform convert(String value) {
        try {
            return Descriptor.Platform.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
