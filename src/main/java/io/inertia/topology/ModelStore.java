package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The durable layout of a task's models: two persistent (RocksDB), changelog-backed key-value stores.
 *
 * <ul>
 *   <li>{@value #NAME}: model key → the model's header, a {@link ModelSnapshot} without named weights (version, dense
 *       weights, bias, optimizer state of those, metrics, the parts of its last snapshot).</li>
 *   <li>{@value #COORDINATES}: model key + NUL + feature name → {@link ModelCoordinate}, one sparse weight with its
 *       optimizer state and the version up to which it is current; hashed buckets are named {@code #i}.</li>
 * </ul>
 *
 * Neither store has a record cache: the {@link WorkingModelStore} is the cache, and writes what changed here inside the
 * commit, so that every put goes straight to RocksDB and to the changelog of the open transaction. A model is written
 * as its header plus the coordinates that changed since it was last written; it is read whole (header plus a prefix
 * scan of its coordinates) when it becomes active.
 *
 * <p>A full snapshot (with named weights) written into {@value #NAME}, e.g. a published snapshot to resume from, is
 * accepted: its named weights are read as current at its version and moved to the coordinate store on the next write.
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

    /** A view of the two stores for a learner; used by the learner processor, replay and tests. */
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
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    /** The builder of the coordinate store. */
    public static StoreBuilder<KeyValueStore<String, ModelCoordinate>> coordinateStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COORDINATES), Serdes.String(),
                        InertiaSerdes.modelCoordinate())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    /**
     * The stored model of {@code modelKey}, whole (every coordinate), as a working model; null when none is stored.
     * O(the model's size): a model is read once when it becomes active.
     *
     * @throws IllegalStateException when the stored model cannot be read: learning on would overwrite it
     */
    WorkingModel load(String modelKey) {
        ModelSnapshot header = headers.get(modelKey);
        if (header == null) {
            return null;
        }
        try {
            LinearModel model = SnapshotCodec.toModel(header);
            boolean imported = model.coordinateCount() > 0;
            try (KeyValueIterator<String, ModelCoordinate> stored = coordinates.prefixScan(
                    modelKey + SEPARATOR, new StringSerializer())) {
                while (stored.hasNext()) {
                    KeyValue<String, ModelCoordinate> entry = stored.next();
                    String name = entry.key.substring(modelKey.length() + 1);
                    // An imported whole snapshot's weights are newer than any coordinate stored before it.
                    if (!imported || model.coordinateOf(name) < 0) {
                        SnapshotCodec.putCoordinate(model, name, entry.value);
                    }
                }
            }
            WorkingModel working = new WorkingModel(modelKey, model, header.getLastEventTimestamp());
            working.halted = header.getHalted();
            working.parts = header.getParts();
            if (imported) {
                working.allChangedForStore();
            }
            if (working.parts != null) {
                long snapshotVersion = working.parts.getSnapshotVersion();
                for (int i = 0, n = model.coordinateCount(); i < n; i++) {
                    if (model.lastStep(i) > snapshotVersion) {
                        working.changedSinceSnapshot(i);
                    }
                }
            }
            return working;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("stored model '" + modelKey + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Writes what changed in {@code working} since it was last written: its header (when changed) and its changed
     * coordinates, in ascending coordinate order. O(what changed).
     */
    void write(WorkingModel working) {
        if (working.headerDirty) {
            headers.put(working.key, header(working));
        }
        LinearModel model = working.model;
        for (int i : working.storeChanges().sorted()) {
            coordinates.put(coordinateKey(working.key, model.coordinateName(i)), SnapshotCodec.toCoordinate(model, i));
        }
        working.written();
    }

    /** The header of {@code working} as stored: the snapshot record without named weights. */
    ModelSnapshot header(WorkingModel working) {
        ModelSnapshot header = SnapshotCodec.toHeader(working.key, working.model, learner, hyperParameters,
                working.lastEventTimestamp);
        header.setHalted(working.halted);
        header.setParts(working.parts);
        return header;
    }

    /**
     * The full snapshot of the stored model of {@code modelKey}, every weight current, named weights inline; null when
     * there is none. O(the model's size); for replay's final snapshots and for tests.
     */
    public ModelSnapshot snapshot(String modelKey) {
        WorkingModel working = load(modelKey);
        if (working == null) {
            return null;
        }
        ModelSnapshot snapshot = SnapshotCodec.toSnapshot(modelKey, working.model, learner, hyperParameters,
                working.lastEventTimestamp);
        snapshot.setHalted(working.halted);
        return snapshot;
    }

    /** Every model key in the store, in key order. */
    public List<String> modelKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, ModelSnapshot> all = headers.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    private static String coordinateKey(String modelKey, String name) {
        return modelKey + SEPARATOR + name;
    }
}
