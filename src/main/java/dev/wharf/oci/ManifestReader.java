package dev.wharf.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads the fields of a manifest that Wharf needs from its bytes with one pass over Jackson's token
 * stream, in bounded memory: fields it does not know are skipped token by token (no tree is built),
 * nesting, tokens, descriptors, annotations and URLs are capped, and integers must fit a
 * {@code long}. Every refusal is an {@link OciException} {@code MANIFEST_INVALID} in our own words;
 * no parser message (which names Jackson internals and source excerpts) reaches the client.
 *
 * <p>Shape rules that need the whole document (media type, which arrays an image or an index may
 * have) are left to {@link ManifestPayload}. Not thread-safe; one instance reads one document.
 */
final class ManifestReader {

    /** Deepest nesting of arrays and objects; the manifest object itself is level 1. */
    static final int MAX_DEPTH = 64;
    /** Most JSON tokens in one manifest (a 4 MiB body of {@code [],} holds about 2.8 million). */
    static final int MAX_TOKENS = 1_000_000;
    /** Most descriptors in {@code layers} and {@code manifests} together. */
    static final int MAX_DESCRIPTORS = 10_000;
    /** Most annotations, of the manifest and of all its descriptors together. */
    static final int MAX_ANNOTATIONS = 50_000;
    /** Most {@code urls} entries of all descriptors together. */
    static final int MAX_URLS = 10_000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // CANONICALIZE_PROPERTY_NAMES stays on: it selects the byte-based parser, whose offsets
            // are byte offsets; names built to collide end in a StreamConstraintsException (a 400)
            // backstops only: the counts above are checked first, in our own words
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH + 1)
                    .maxTokenCount(MAX_TOKENS + 1L)
                    .build())
            .build();

    /** What a manifest says, before the shape rules; absent fields are null (lists: null too). */
    record Fields(String mediaType, Long schemaVersion, boolean hasConfig, Descriptor config,
                  boolean hasLayers, List<Descriptor> layers, boolean hasManifests, List<Descriptor> manifests,
                  boolean hasSubject, Descriptor subject, String artifactType, Map<String, String> annotations,
                  long annotationsStart, long annotationsEnd) {
    }

    private final JsonParser parser;
    private int depth;
    private int tokens;
    private int descriptors;
    private int annotations;
    private int urls;

    private ManifestReader(JsonParser parser) {
        this.parser = parser;
    }

    /**
     * Reads {@code bytes} as one JSON object and returns its manifest fields.
     *
     * @throws OciException {@code MANIFEST_INVALID} when the bytes are no JSON object, a cap is
     *                      exceeded or a known field has the wrong type
     */
    static Fields read(byte[] bytes) {
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            ManifestReader reader = new ManifestReader(parser);
            Fields fields = reader.manifest();
            if (reader.next() != null) {
                throw invalid("manifest has content after its closing brace, at offset " + reader.offset());
            }
            return fields;
        } catch (StreamConstraintsException e) {
            throw invalid("manifest exceeds a JSON limit at offset " + offset(e.getLocation())
                    + " (nesting deeper than " + MAX_DEPTH + ", more than " + MAX_TOKENS
                    + " tokens, or a number or name too long)");
        } catch (UnexpectedEndOfInputException e) {
            throw invalid("manifest is not valid JSON: it ends early, at offset " + offset(e.getLocation()));
        } catch (JacksonException e) {
            String original = e.getOriginalMessage();
            String why = original != null && original.startsWith("Duplicate") ? ": a key appears twice in one object" : "";
            throw invalid("manifest is not valid JSON at offset " + offset(e.getLocation()) + why);
        }
    }

    private static long offset(TokenStreamLocation location) {
        if (location == null) {
            return -1;
        }
        return location.getByteOffset() >= 0 ? location.getByteOffset() : location.getCharOffset();
    }

    private long offset() {
        return offset(parser.currentTokenLocation());
    }

    /** The next token, counted against the caps. */
    private JsonToken next() {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        if (++tokens > MAX_TOKENS) {
            throw invalid("manifest has more than " + MAX_TOKENS + " JSON tokens");
        }
        if (token.isStructStart() && ++depth > MAX_DEPTH) {
            throw invalid("manifest has nesting deeper than " + MAX_DEPTH + " levels, at offset " + offset());
        } else if (token.isStructEnd()) {
            depth--;
        }
        return token;
    }

    /** Skips the value whose first token is current, without keeping any of it. */
    private void skipValue() {
        if (!parser.currentToken().isStructStart()) {
            return;
        }
        int until = depth - 1;
        while (depth > until) {
            if (next() == null) {
                throw invalid("manifest is not valid JSON: it ends early");
            }
        }
    }

    private Fields manifest() {
        if (next() != JsonToken.START_OBJECT) {
            throw invalid("manifest must be a JSON object");
        }
        String mediaType = null;
        Long schemaVersion = null;
        boolean hasConfig = false;
        boolean hasLayers = false;
        boolean hasManifests = false;
        boolean hasSubject = false;
        Descriptor config = null;
        List<Descriptor> layers = null;
        List<Descriptor> manifests = null;
        Descriptor subject = null;
        String artifactType = null;
        Map<String, String> annotations = Map.of();
        long annotationsStart = -1;
        long annotationsEnd = -1;
        while (next() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            next();
            switch (name) {
                case "mediaType" -> mediaType = optionalText("manifest.mediaType");
                case "schemaVersion" -> {
                    schemaVersion = integer();
                    if (schemaVersion == null || schemaVersion != 2) {
                        throw invalid("schemaVersion must be 2");
                    }
                }
                case "config" -> {
                    hasConfig = true;
                    config = descriptor("config");
                }
                case "layers" -> {
                    hasLayers = true;
                    layers = descriptors("layers");
                }
                case "manifests" -> {
                    hasManifests = true;
                    manifests = descriptors("manifests");
                }
                case "subject" -> {
                    hasSubject = true;
                    subject = descriptor("subject");
                }
                case "artifactType" -> artifactType = mediaType("manifest.artifactType");
                case "annotations" -> {
                    annotationsStart = parser.currentTokenLocation().getByteOffset();
                    annotations = annotations("manifest");
                    annotationsEnd = parser.currentTokenLocation().getByteOffset() + 1;
                }
                default -> skipValue();
            }
        }
        return new Fields(mediaType, schemaVersion, hasConfig, config, hasLayers, layers, hasManifests, manifests,
                hasSubject, subject, artifactType, annotations, annotationsStart, annotationsEnd);
    }

    /** The current value as a long when it is an integer that fits one; else null. */
    private Long integer() {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            skipValue();
            return null;
        }
        JsonParser.NumberType type = parser.getNumberType();
        if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
            return null;
        }
        return parser.getLongValue();
    }

    private List<Descriptor> descriptors(String field) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw invalid(field + " must be an array");
        }
        List<Descriptor> out = new ArrayList<>();
        while (next() != JsonToken.END_ARRAY) {
            if (++descriptors > MAX_DESCRIPTORS) {
                throw invalid("manifest lists more than " + MAX_DESCRIPTORS + " descriptors");
            }
            out.add(descriptor(field + "[" + out.size() + "]"));
        }
        return List.copyOf(out);
    }

    private Descriptor descriptor(String where) {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(where + " must be a descriptor object");
        }
        String mediaType = null;
        String digestText = null;
        Long size = null;
        boolean hasSize = false;
        String artifactType = null;
        Map<String, String> annotations = Map.of();
        Descriptor.Platform platform = null;
        List<String> urls = List.of();
        while (next() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            next();
            switch (name) {
                case "mediaType" -> mediaType = mediaType(where + ".mediaType");
                case "digest" -> digestText = optionalText(where + ".digest");
                case "size" -> {
                    hasSize = true;
                    size = integer();
                }
                case "artifactType" -> artifactType = mediaType(where + ".artifactType");
                case "annotations" -> annotations = annotations(where);
                case "platform" -> platform = platform(where + ".platform");
                case "urls" -> urls = urls(where + ".urls");
                default -> skipValue();
            }
        }
        if (mediaType == null) {
            throw invalid(where + " needs a mediaType");
        }
        if (digestText == null) {
            throw invalid(where + " needs a digest");
        }
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (OciException e) {
            throw invalid(where + ": " + e.getMessage());
        }
        if (!hasSize || size == null || size < 0) {
            throw invalid(where + " needs a non-negative integer size that fits 63 bits");
        }
        return new Descriptor(mediaType, digest, size, artifactType, annotations, platform, urls);
    }

    private Descriptor.Platform platform(String where) {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(where + " must be an object");
        }
        String os = null;
        String architecture = null;
        String variant = null;
        while (next() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            next();
            switch (name) {
                case "os" -> os = optionalText(where + ".os");
                case "architecture" -> architecture = optionalText(where + ".architecture");
                case "variant" -> variant = optionalText(where + ".variant");
                default -> skipValue();
            }
        }
        return os != null && architecture != null ? new Descriptor.Platform(os, architecture, variant) : null;
    }

    private List<String> urls(String where) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw invalid(where + " must be an array");
        }
        List<String> out = new ArrayList<>();
        while (next() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid(where + " must hold strings");
            }
            if (++urls > MAX_URLS) {
                throw invalid("manifest has more than " + MAX_URLS + " urls");
            }
            out.add(parser.getString());
        }
        return out;
    }

    private Map<String, String> annotations(String where) {
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(where + " annotations must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        while (next() == JsonToken.PROPERTY_NAME) {
            String key = parser.currentName();
            if (next() != JsonToken.VALUE_STRING) {
                throw invalid(where + " annotation " + key + " must be a string");
            }
            if (++annotations > MAX_ANNOTATIONS) {
                throw invalid("manifest has more than " + MAX_ANNOTATIONS + " annotations");
            }
            out.put(key, parser.getString());
        }
        return Collections.unmodifiableMap(out);
    }

    /** An optional string holding a media type; empty counts as absent. */
    private String mediaType(String where) {
        String value = optionalText(where);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!ManifestPayload.isMediaType(value)) {
            throw invalid(where + " is not a media type (RFC 6838 type/subtype)");
        }
        return value;
    }

    private String optionalText(String where) {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw invalid(where + " must be a string");
        }
        return parser.getString();
    }

    static OciException invalid(String message) {
        return new OciException(OciErrorCode.MANIFEST_INVALID, message);
    }
}
