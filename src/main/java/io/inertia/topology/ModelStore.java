package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.SnapshotParts;
import io.inertia.config.InertiaConfig;
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
 * The durable layout of a task's models: persistent (RocksDB), changelog-backed key-value stores.
 *
 * <ul>
 *   <li>{@value #NAME}: model key → the model's header, a {@link ModelSnapshot} without named weights (version, dense
 *       weights, bias, optimizer state of those, metrics, the parts of its last published snapshot, and in
 *       {@code storedParts} which records of {@value #PARTS} hold its named weights).</li>
 *   <li>{@value #PARTS}: model key + NUL + generation + NUL + index → {@link ModelSnapshotPart}, the model's named
 *       weights in the layout of the published parts (see {@link SnapshotLayout}): a generation's base holds every
 *       weight, each later part the weights changed since the write before it; a new base once those reach twice
 *       the base's size ({@link PartGeneration}), the old generation deleted in the same write.</li>
 *   <li>{@value #COORDINATES}: one record per named weight, the layout of release 0.1; read (never written) for the
 *       models that release stored, which move to {@value #PARTS} on their next write.</li>
 * </ul>
 *
 * No store has a record cache: the {@link WorkingModelStore} is the cache, and writes here inside the commit, so that
 * every put goes straight to RocksDB and to the changelog of the open transaction. A commit writes, per changed model,
 * its header and one part record per {@code inertia.max-record-bytes} of weights changed since the last commit, not
 * one record per weight: hashing scatters a commit's weights over the whole model, and a record per weight costs a
 * RocksDB put and a producer send each. A model is read whole (header, then its parts in order) when it becomes
 * active.
 *
 * <p>A full snapshot (with named weights) written into {@value #NAME}, e.g. a published snapshot to resume from, is
 * accepted: its named weights are read as current at its version and move to {@value #PARTS} on the next write.
 */
public final class ModelStore {

    /** Name of the header store; its changelog topic is {@code <application.id>-inertia-models-changelog}. */
    public static final String NAME = "inertia-models";
    /** Name of the parts store; changelog {@code <application.id>-inertia-model-parts-changelog}. */
    public static final String PARTS = "inertia-model-parts";
    /** Name of release 0.1's coordinate store, read for the models it holds. */
    public static final String COORDINATES = "inertia-model-coordinates";
    /** Separates the model key from the feature name in coordinate keys; model keys may not contain it. */
    public static final char SEPARATOR = '\u0000';

    private final KeyValueStore<String, ModelSnapshot> headers;
    private final KeyValueStore<String, ModelSnapshotPart> parts;
    private final KeyValueStore<String, ModelCoordinate> coordinates;
    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    private final PartPacker packer;

    /** A view of the stores for a learner; used by the learner processor, replay and tests. */
    public ModelStore(KeyValueStore<String, ModelSnapshot> headers, KeyValueStore<String, ModelSnapshotPart> parts,
            KeyValueStore<String, ModelCoordinate> coordinates, OnlineLearner learner,
            HyperParameters hyperParameters, int maxRecordBytes) {
        this.headers = headers;
        this.parts = parts;
        this.coordinates = coordinates;
        this.learner = learner;
        this.hyperParameters = hyperParameters;
        this.packer = new PartPacker(learner.stateNames().size(), learner.outputs(), maxRecordBytes);
    }

    /** Finds a key-value store by name: a processor context's or a test driver's {@code getStateStore}. */
    @FunctionalInterface
    public interface StoreLookup {
        /** The store called {@code name}. */
        <K, V> KeyValueStore<K, V> get(String name);
    }

    /** A view of the stores that {@code stores} finds, for the learner of {@code config}. */
    public static ModelStore open(StoreLookup stores, InertiaConfig config) {
        return new ModelStore(stores.get(NAME), stores.get(PARTS), stores.get(COORDINATES), config.learner(),
                SnapshotCodec.hyperParameters(config), config.maxRecordBytes());
    }

    /** The builder of the header store. */
    public static StoreBuilder<KeyValueStore<String, ModelSnapshot>> headerStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                        InertiaSerdes.modelSnapshot())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    /** The builder of the parts store. */
    public static StoreBuilder<KeyValueStore<String, ModelSnapshotPart>> partStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PARTS), Serdes.String(),
                        InertiaSerdes.modelSnapshotPart())
                .withCachingDisabled()
                .withLoggingEnabled(Map.of());
    }

    /** The builder of release 0.1's coordinate store. */
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
        return header == null ? null : load(modelKey, header);
    }

    /**
     * The stored model of {@code modelKey} whole, for a reader on another thread (the HTTP API, through interactive
     * queries): its parameters, each weight as of its last update, and the facts of its header; null when none is
     * stored. O(the model's size).
     *
     * @throws IllegalStateException when it cannot be read, e.g. a part its header names is gone because a newer
     *     generation replaced it meanwhile (read again)
     */
    public ModelView read(String modelKey) {
        ModelSnapshot header = headers.get(modelKey);
        if (header == null) {
            return null;
        }
        WorkingModel working = load(modelKey, header);
        return new ModelView(modelKey, working.model, working.halted, working.lastEventTimestamp, working.scalers);
    }

    /** The header record of {@code modelKey} (a {@link ModelSnapshot} without named weights), or null. O(header). */
    public ModelSnapshot headerOf(String modelKey) {
        return headers.get(modelKey);
    }

    private WorkingModel load(String modelKey, ModelSnapshot header) {
        try {
            LinearModel model = SnapshotCodec.toModel(header);
            boolean imported = model.coordinateCount() > 0;
            SnapshotParts stored = header.getStoredParts();
            if (stored != null) {
                for (int index = 0; index < stored.getParts(); index++) {
                    ModelSnapshotPart part = parts.get(SnapshotLayout.partKey(modelKey, stored.getGeneration(), index));
                    if (part == null) {
                        throw new IllegalArgumentException("part " + stored.getGeneration() + "/" + index
                                + " is missing");
                    }
                    PartPacker.unpack(part, model);
                }
            } else if (!imported) {
                // Stored by release 0.1: one record per weight.
                try (KeyValueIterator<String, ModelCoordinate> old = coordinates.prefixScan(
                        modelKey + SEPARATOR, new StringSerializer())) {
                    while (old.hasNext()) {
                        KeyValue<String, ModelCoordinate> entry = old.next();
                        SnapshotCodec.putCoordinate(model, entry.key.substring(modelKey.length() + 1), entry.value);
                    }
                }
                imported = model.coordinateCount() > 0;
            }
            WorkingModel working = new WorkingModel(modelKey, model, header.getLastEventTimestamp());
            working.halted = header.getHalted();
            working.outcomes = SnapshotCodec.outcomes(header.getOutcomes());
            working.scalers = SnapshotCodec.scalers(header.getScalers());
            working.restorePosition(header.getInputPosition());
            working.parts = header.getParts();
            working.storedParts = stored;
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
     * Writes what changed in {@code working} since it was last written: its header (when changed) and the weights that
     * changed, in parts (see {@link PartGeneration}). O(what changed), amortised.
     */
    void write(WorkingModel working) {
        WorkingModel.ChangeSet changed = working.storeChanges();
        SnapshotParts previous = working.storedParts;
        List<String> obsolete = List.of();
        if (changed.size() > 0 || (previous == null && working.model.coordinateCount() > 0)) {
            LinearModel model = working.model;
            PartGeneration next = PartGeneration.after(previous);
            // In the order they came: the store's bytes never reach a result, so there is nothing to sort.
            int[] written = next.base() ? allCoordinates(model) : changed.toArray();
            List<ModelSnapshotPart> records = packer.pack(working.key, model, written, next.generation(),
                    next.firstIndex());
            for (ModelSnapshotPart part : records) {
                parts.put(SnapshotLayout.partKey(working.key, next.generation(), part.getIndex()), part);
            }
            working.storedParts = next.written(next.firstIndex() + records.size(), written.length, model.version());
            obsolete = next.obsoleteKeys(working.key);
            working.headerDirty = true;
        }
        if (working.headerDirty) {
            headers.put(working.key, header(working));
        }
        // After the header that no longer names them: a restore sees either generation complete. A put of null, not
        // delete(), which would read and decode each old part (hundreds of KiB) only to return it.
        for (String key : obsolete) {
            parts.put(key, null);
        }
        working.written();
    }

    private static int[] allCoordinates(LinearModel model) {
        int[] all = new int[model.coordinateCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /** The header of {@code working} as stored: the snapshot record without named weights. */
    ModelSnapshot header(WorkingModel working) {
        ModelSnapshot header = SnapshotCodec.toHeader(working.key, working.model, learner, hyperParameters,
                working.lastEventTimestamp);
        header.setHalted(working.halted);
        header.setInputPosition(working.inputPosition());
        header.setOutcomes(SnapshotCodec.outcomes(working.outcomes));
        header.setScalers(SnapshotCodec.scalers(working.scalers));
        header.setParts(working.parts);
        header.setStoredParts(working.storedParts);
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
        snapshot.setInputPosition(working.inputPosition());
        snapshot.setOutcomes(SnapshotCodec.outcomes(working.outcomes));
        snapshot.setScalers(SnapshotCodec.scalers(working.scalers));
        return snapshot;
    }

    /** The version of the stored model of {@code modelKey}, or −1 when none is stored; reads only its header. */
    public long version(String modelKey) {
        ModelSnapshot header = headers.get(modelKey);
        return header == null ? -1 : header.getVersion();
    }

    /** Every model key in the store, in key order. */
    public List<String> modelKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, ModelSnapshot> all = headers.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

}
