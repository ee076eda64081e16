package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The models of one task in two persistent (RocksDB), changelog-backed, cached key-value stores, laid out so that an
 * event never pays for the whole model:
 *
 * <ul>
 *   <li>{@value #NAME}: model key → the model's header, a {@link ModelSnapshot} without named weights (version, dense
 *       weights, bias, optimizer state of those, metrics, hyper-parameters).</li>
 *   <li>{@value #COORDINATES}: model key + NUL + feature name → {@link ModelCoordinate}, one named weight with its
 *       optimizer state and the version up to which it is current.</li>
 * </ul>
 *
 * An event reads and writes the header and only the coordinates of the features it carries: O(dense dimension +
 * event features), whatever the model's size. A snapshot (every N updates) scans the model's coordinates by key
 * prefix and brings each up to date in closed form (see {@link OnlineLearner#catchUp}); nothing is written back, so
 * the stored trajectory, and with it every snapshot, does not depend on when snapshots were taken.
 *
 * <p>A full snapshot (with named weights) written into {@value #NAME}, e.g. a published snapshot to resume from, is
 * accepted: its named weights are read as current at its version and moved to the coordinate store on the next save.
 * The record cache absorbs repeated updates of hot entries between commits.
 */
public final class ModelStore {

    /** Name of the header store; its changelog topic is {@code <application.id>-inertia-models-changelog}. */
    public static final String NAME = "inertia-models";
    /** Name of the coordinate store; changelog {@code <application.id>-inertia-model-coordinates-changelog}. */
    public static final String COORDINATES = "inertia-model-coordinates";
    /** Separates the model key from the feature name in coordinate keys; model keys may not contain it. */
    public static final char SEPARATOR = '\u0000';

    private final KeyValueStore<String, ModelSnapshot> headers;
    private final KeyValueStore<String, ModelCoordinate> coordinates;
    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    // Facts about the header read by the last load(), so that one event deserializes its header once.
    private boolean imported;
    private boolean loadedHalted;

    /** A view of the two stores for a learner; used by the learner processor and by replay. */
    public ModelStore(KeyValueStore<String, ModelSnapshot> headers, KeyValueStore<String, ModelCoordinate> coordinates,
            OnlineLearner learner, HyperParameters hyperParameters) {
        this.headers = headers;
        this.coordinates = coordinates;
        this.learner = learner;
        this.hyperParameters = hyperParameters;
    }

    /** The builder of the header store. */
    public static StoreBuilder<KeyValueStore<String, ModelSnapshot>> headerStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                        InertiaSerdes.modelSnapshot())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    /** The builder of the coordinate store. */
    public static StoreBuilder<KeyValueStore<String, ModelCoordinate>> coordinateStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COORDINATES), Serdes.String(),
                        InertiaSerdes.modelCoordinate())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    /**
     * The model of {@code modelKey} with the named weights {@code example} carries, or a new model when none is stored.
     *
     * @throws IllegalStateException when the stored model cannot be read: learning on would overwrite it
     */
    LinearModel load(String modelKey, Example example) {
        ModelSnapshot header = headers.get(modelKey);
        loadedHalted = header != null && header.getHalted();
        if (header == null) {
            imported = false;
            return learner.newModel();
        }
        try {
            LinearModel model = SnapshotCodec.toModel(header);
            imported = !header.getNamedWeights().isEmpty();
            for (String name : example.named().keySet()) {
                if (model.lastStep(name) < 0) {
                    ModelCoordinate coordinate = coordinates.get(coordinateKey(modelKey, name));
                    if (coordinate != null) {
                        SnapshotCodec.putCoordinate(model, name, coordinate);
                    }
                }
            }
            return model;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("stored model '" + modelKey + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Stores {@code model} after it learned from {@code example} (an event with record timestamp {@code timestamp}):
     * its header and the coordinates the event touched.
     */
    void save(String modelKey, LinearModel model, Example example, long timestamp) {
        headers.put(modelKey, SnapshotCodec.toHeader(modelKey, model, learner, hyperParameters, timestamp));
        Iterable<String> touched = imported ? model.namedSlots().keySet() : example.named().keySet();
        for (String name : touched) {
            coordinates.put(coordinateKey(modelKey, name), SnapshotCodec.toCoordinate(model, name));
        }
    }

    /** The full snapshot of the stored model of {@code modelKey}, every weight current; null when there is none. */
    public ModelSnapshot snapshot(String modelKey) {
        ModelSnapshot header = headers.get(modelKey);
        if (header == null) {
            return null;
        }
        LinearModel model = SnapshotCodec.toModel(header);
        try (KeyValueIterator<String, ModelCoordinate> stored = coordinates.prefixScan(
                modelKey + SEPARATOR, new StringSerializer())) {
            while (stored.hasNext()) {
                KeyValue<String, ModelCoordinate> entry = stored.next();
                String name = entry.key.substring(modelKey.length() + 1);
                if (model.lastStep(name) < 0) {
                    SnapshotCodec.putCoordinate(model, name, entry.value);
                }
            }
        }
        ModelSnapshot snapshot = SnapshotCodec.toSnapshot(modelKey, model, learner, hyperParameters,
                header.getLastEventTimestamp());
        snapshot.setHalted(header.getHalted());
        return snapshot;
    }

    /** Whether the model returned by the last {@link #load} was halted after a divergence. */
    boolean loadedHalted() {
        return loadedHalted;
    }

    /** Marks model {@code modelKey} halted, storing an empty header first when it has none. */
    void markHalted(String modelKey) {
        ModelSnapshot header = headers.get(modelKey);
        if (header == null) {
            header = SnapshotCodec.toHeader(modelKey, learner.newModel(), learner, hyperParameters, -1L);
        }
        headers.put(modelKey, ModelSnapshot.newBuilder(header).setHalted(true).build());
    }

    /**
     * What saving {@code model} (loaded for {@code modelKey} and updated) will overwrite: the header and the
     * coordinates of its named parameters. O(the model's loaded named parameters).
     */
    Saved remember(String modelKey, LinearModel model) {
        Map<String, ModelCoordinate> previous = new java.util.HashMap<>();
        for (String name : model.namedSlots().keySet()) {
            previous.put(name, coordinates.get(coordinateKey(modelKey, name)));
        }
        return new Saved(modelKey, headers.get(modelKey), previous);
    }

    /** Puts back what {@link #remember} read; an entry that did not exist is deleted. */
    void restore(Saved saved) {
        if (saved.header() == null) {
            headers.delete(saved.modelKey());
        } else {
            headers.put(saved.modelKey(), saved.header());
        }
        saved.coordinates().forEach((name, coordinate) -> {
            if (coordinate == null) {
                coordinates.delete(coordinateKey(saved.modelKey(), name));
            } else {
                coordinates.put(coordinateKey(saved.modelKey(), name), coordinate);
            }
        });
    }

    /**
     * A model's stored entries as they were before a save.
     *
     * @param modelKey the model
     * @param header its header, or null when none was stored
     * @param coordinates its named weights by name, null where none was stored
     */
    record Saved(String modelKey, ModelSnapshot header, Map<String, ModelCoordinate> coordinates) {
    }

    /** Every model key in the store, in key order. */
    public java.util.List<String> modelKeys() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<String, ModelSnapshot> all = headers.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    private static String coordinateKey(String modelKey, String name) {
        return modelKey + SEPARATOR + name;
    }
}
