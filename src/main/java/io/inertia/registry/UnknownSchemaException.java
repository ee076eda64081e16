package io.inertia.registry;

/** The registry answered that it has no schema of the id a record names (404, error code 40403): bad input. */
public final class UnknownSchemaException extends RuntimeException {

    /** The id {@code id} is unknown to the registry at {@code url}. */
    public UnknownSchemaException(int id, String url) {
        super("schema id " + id + " is unknown to the schema registry at " + url + " (404)");
    }
}
