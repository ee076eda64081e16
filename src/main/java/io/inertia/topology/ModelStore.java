package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The models of one task, by model key: a persistent (RocksDB), changelog-backed and cached key-value store whose
 * values are {@link ModelSnapshot} records, so that what is stored is exactly what can be published and resumed.
 *
 * <p>The record cache absorbs repeated updates of a hot model between commits, so the changelog receives one write
 * per model per commit rather than one per event. The layout is private to this class: the learner loads and saves
 * {@link LinearModel}s, so a per-coordinate layout for very large sparse models (where an event must not pay for the
 * whole model) only has to change this class.
 */
public final class ModelStore {

    /** Name of the store; its changelog topic is {@code <application.id>-inertia-models-changelog}. */
    public static final String NAME = "inertia-models";

    private final KeyValueStore<String, ModelSnapshot> store;
    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;

    ModelStore(KeyValueStore<String, ModelSnapshot> store, OnlineLearner learner, HyperParameters hyperParameters) {
        this.store = store;
        this.learner = learner;
        this.hyperParameters = hyperParameters;
    }

    /** The builder that registers the store with a topology. */
    public static StoreBuilder<KeyValueStore<String, ModelSnapshot>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                        InertiaSerdes.modelSnapshot())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    /**
     * The model of {@code modelKey} as stored, or a new one when none is.
     *
     * @throws IllegalStateException when the stored model cannot be read: learning on would overwrite it
     */
    LinearModel load(String modelKey) {
        ModelSnapshot stored = store.get(modelKey);
        if (stored == null) {
            return learner.newModel();
        }
        try {
            return SnapshotCodec.toModel(stored);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("stored model '" + modelKey + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /** Stores {@code model} as the current model of {@code modelKey}, last updated by an event at {@code timestamp}. */
    void save(String modelKey, LinearModel model, long timestamp) {
        store.put(modelKey, SnapshotCodec.toSnapshot(modelKey, model, learner, hyperParameters, timestamp));
    }

    /** The snapshot of the stored model of {@code modelKey}, or null when there is none. */
    ModelSnapshot snapshot(String modelKey) {
        return store.get(modelKey);
    }
}
