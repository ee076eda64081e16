package io.inertia.topology;

import io.inertia.avro.ModelSnapshot;
import io.inertia.serde.InertiaSerdes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The models of one task, by model key: a persistent (RocksDB), changelog-backed and cached key-value store whose
 * values are {@link ModelSnapshot} records, so that what is stored is exactly what can be published and resumed.
 *
 * <p>The record cache absorbs repeated updates of a hot model between commits, so the changelog receives one write
 * per model per commit rather than one per event. The layout is private to this class: a later per-coordinate layout
 * for very large sparse models only has to change it here.
 */
public final class ModelStore {

    /** Name of the store; its changelog topic is {@code <application.id>-inertia-models-changelog}. */
    public static final String NAME = "inertia-models";

    private final KeyValueStore<String, ModelSnapshot> store;

    ModelStore(KeyValueStore<String, ModelSnapshot> store) {
        this.store = store;
    }

    /** The builder that registers the store with a topology. */
    public static StoreBuilder<KeyValueStore<String, ModelSnapshot>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                        InertiaSerdes.modelSnapshot())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
    }

    /** The stored model of {@code modelKey}, or null when there is none yet. */
    public ModelSnapshot get(String modelKey) {
        return store.get(modelKey);
    }

    /** Stores {@code snapshot} as the current model of its key. */
    public void put(ModelSnapshot snapshot) {
        store.put(snapshot.getModelKey(), snapshot);
    }
}
