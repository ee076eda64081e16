package io.inertia.registry;

import io.inertia.registry.SchemaRegistryClient.RegisteredSchema;

/** Writer schemas by the id a record names: a schema registry, or any other table of ids. */
@FunctionalInterface
public interface SchemaSource {

    /**
     * The schema of {@code id}.
     *
     * @throws UnknownSchemaException when there is no schema of that id
     * @throws RegistryUnavailableException when the source cannot be asked now
     */
    RegisteredSchema schema(int id);
}
