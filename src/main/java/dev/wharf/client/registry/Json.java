package dev.wharf.client.registry;

import tools.jackson.databind.json.JsonMapper;

/** The client's one JSON mapper: building a mapper is costly at start-up, sharing one is free. */
public final class Json {

    /** Thread-safe; used only for trees ({@code JsonNode}), never for data binding. */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
