package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.SnapshotParts;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.JsonRecordSerde;
import org.apache.kafka.common.serialization.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a working model into the records of its snapshot (see {@link SnapshotLayout}), none larger than the record
 * limit, in two steps so that a snapshot that would publish a non-finite weight can still undo the event:
 * {@link #prepare} builds the records without changing the model, {@link #published} records that they went out.
 *
 * <p>A model of at most {@value SnapshotLayout#INLINE_WEIGHTS} named weights whose whole snapshot fits in one record
 * is published as one {@link ModelSnapshot}, every weight brought up to date. A larger one is published in parts that
 * carry weights as of their last update: a snapshot starts a new generation with a base (every named weight) once the
 * weights written since the last base reach twice the base's size ({@link PartGeneration}), and otherwise appends a
 * part with only the weights updated since the snapshot before. A snapshot therefore costs on average O(the weights
 * updated since the last one), whatever the model's size, and a reader never needs more than about three times the
 * model's weights.
 */
final class SnapshotEmitter {

    /** Room left in each record for the key, Kafka's record framing and rounding in the size bounds below. */
    static final int RECORD_RESERVE = 256;

    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    /** The limit no record may exceed. */
    private final int maxRecordBytes;
    /**
     * What the size bounds below may plan with: the limit, or for JSON output a sixth of it, since no part of a
     * record grows more than six times from Avro's binary to JSON text (a control character in a name becomes
     * a six-character escape; a double of 8 bytes at most 25 characters).
     */
    private final int budget;
    private final ModelStore store;
    /** The doubles of one feature's K parameters with their state (K·(1 + S)). */
    private final int blockWidth;
    /** K. */
    private final int outputs;
    /** An upper bound of the class names' bytes in the hyper-parameters. */
    private final long classNameBytes;
    private final PartPacker packer;
    /** How far JSON text can grow over Avro's binary encoding, at most, for the size bounds. */
    static final int JSON_EXPANSION = 6;
    private final Serializer<ModelSnapshot> snapshotSerde;
    private final Serializer<ModelSnapshotPart> partSerde;

    SnapshotEmitter(OnlineLearner learner, HyperParameters hyperParameters, int maxRecordBytes, ModelStore store) {
        this(learner, hyperParameters, maxRecordBytes, store, false);
    }

    /** An emitter writing snapshot records as JSON ({@code inertia.output.format=json}) when {@code json}. */
    SnapshotEmitter(OnlineLearner learner, HyperParameters hyperParameters, int maxRecordBytes, ModelStore store,
            boolean json) {
        this.budget = json ? maxRecordBytes / JSON_EXPANSION : maxRecordBytes;
        this.snapshotSerde = json ? new JsonRecordSerde<>(ModelSnapshot.getClassSchema())
                : InertiaSerdes.modelSnapshot();
        this.partSerde = json ? new JsonRecordSerde<>(ModelSnapshotPart.getClassSchema())
                : InertiaSerdes.modelSnapshotPart();
        this.learner = learner;
        this.hyperParameters = hyperParameters;
        this.maxRecordBytes = maxRecordBytes;
        this.store = store;
        // A feature's K weights with their state: the unit every size bound below counts in.
        this.blockWidth = (1 + learner.stateNames().size()) * learner.outputs();
        this.outputs = learner.outputs();
        this.classNameBytes = hyperParameters.getClassNames().stream().mapToLong(name -> 5 + 3L * name.length()).sum();
        this.packer = new PartPacker(learner.stateNames().size(), outputs, budget);
    }

    /**
     * The largest dense dimension whose header fits in one record for a model key of {@code keyLength} characters:
     * dense weights are always in the header.
     */
    int maxDenseDimension(int keyLength) {
        long fixed = headerBytesWithoutDense(keyLength);
        return (int) Math.max(0, (budget - RECORD_RESERVE - 3L * keyLength - fixed) / (9L * blockWidth() + 2));
    }

    private int blockWidth() {
        return blockWidth;
    }

    /** An upper bound of a header's encoded size without its dense weights. */
    private long headerBytesWithoutDense(int keyLength) {
        // Hyper-parameters and scalar fields stay well under 1 KiB; the loss window is 8 bytes per loss; a K-class
        // model adds its class names, three counts per class (varints ≤ 10 bytes) and two classes per window event.
        long classes = outputs == 1 ? 0 : classNameBytes + 30L * outputs + 10L * learner.metricsWindow();
        return 1024 + 3L * keyLength + 9L * learner.metricsWindow() + 9L * blockWidth() + classes;
    }

    /**
     * The records of {@code working}'s snapshot at its current version, or the reason it cannot be published: a
     * weight that would not be a finite number once brought up to date. Changes nothing.
     *
     * @param eventCoordinates the coordinates the last event updated, not yet recorded as changed in {@code working}
     */
    Prepared prepare(WorkingModel working, int[] eventCoordinates) {
        if (isInline(working)) {
            return inline(working);
        }
        return inParts(working, eventCoordinates);
    }

    /**
     * Why {@code working}'s snapshot at its current version cannot be published (a weight that would not be a finite
     * number once brought up to date), or null: the check of {@link #prepare} without building the records. O(the
     * weights the snapshot publishes) in closed forms. The learner makes it under the write lock only when
     * {@link #untouchedFinite} could not clear the snapshot before the update (a weight found non-finite, L1, a first
     * snapshot), and builds the records (packing and serializing, the larger cost) after readers may read again.
     * Changes nothing.
     */
    String divergence(WorkingModel working, int[] eventCoordinates) {
        if (isInline(working)) {
            LinearModel whole = working.model.copy();
            learner.catchUp(whole);
            return whole.firstNonFinite(whole.namedSlots().keySet()).map(SnapshotEmitter::diverged).orElse(null);
        }
        return firstNonFinite(working.model, partCoordinates(working, eventCoordinates));
    }

    /**
     * Whether every weight that a snapshot in parts made by the next update of {@code working}, to version
     * {@code next}, will publish is finite at that version, as far as the weights the update does not touch go: their
     * state stays as it is, so their value at {@code next} is known before the update. The stream thread asks before it
     * takes the write lock (a new base checks every weight: O(the model); under the lock it kept readers of a
     * million-weight model waiting 70–220 ms) and checks the event's own weights after the update, under the lock
     * ({@link #finiteAfterUpdate}). A weight the update does touch is checked here too, as if it did not: a false
     * answer only sends the decision to {@link #divergence}. False also when it cannot tell (no snapshot in parts
     * yet, so maybe an inline one; L1). Changes nothing.
     */
    boolean untouchedFinite(WorkingModel working, long next) {
        if (working.parts == null || !learner.foreseesUntouched()) {
            return false;
        }
        LinearModel model = working.model;
        double[] value = new double[blockWidth()];
        if (PartGeneration.after(working.parts).base()) {
            for (int i = 0, n = model.coordinateCount(); i < n; i++) {
                if (!finiteAt(model, i, next, value)) {
                    return false;
                }
            }
            return true;
        }
        WorkingModel.ChangeSet changed = working.snapshotChanges();
        for (int j = 0; j < changed.size(); j++) {
            if (!finiteAt(model, changed.get(j), next, value)) {
                return false;
            }
        }
        return true;
    }

    private boolean finiteAt(LinearModel model, int i, long next, double[] value) {
        learner.untouchedSlotsAt(model, i, next, value);
        for (double v : value) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the weights at {@code eventCoordinates} (those the last update touched) are finite at the model's
     * version: with {@link #untouchedFinite} true before that update, the snapshot it made due passes
     * {@link #divergence}. O(the event's features).
     */
    boolean finiteAfterUpdate(WorkingModel working, int[] eventCoordinates) {
        return firstNonFinite(working.model, eventCoordinates) == null;
    }

    /** Whether the snapshot of {@code working} is one whole record (see the class documentation). */
    boolean isInline(WorkingModel working) {
        return working.parts == null
                && (long) working.model.coordinateCount() * outputs <= SnapshotLayout.INLINE_WEIGHTS
                && inlineBytes(working) <= budget - RECORD_RESERVE;
    }

    private long inlineBytes(WorkingModel working) {
        LinearModel model = working.model;
        long bytes = headerBytesWithoutDense(working.key.length())
                + Math.max(0, model.denseDimension()) * (9L * blockWidth() + 2);
        if (working.scalers != null) {
            for (int i = 0; i < working.scalers.size(); i++) {
                // name, count (varint ≤ 10 bytes), mean and M₂
                bytes += 5 + 3L * working.scalers.name(i).length() + 26;
            }
        }
        for (int i = 0, n = model.coordinateCount(); i < n; i++) {
            // name twice (weights and state maps), the K weights, the state array (and for K > 1 the weights' array)
            bytes += 2 * (5 + 3L * model.coordinateName(i).length()) + 6 + 8L * blockWidth() + (outputs == 1 ? 0 : 6);
        }
        return bytes;
    }

    private Prepared inline(WorkingModel working) {
        LinearModel whole = working.model.copy();
        learner.catchUp(whole);
        Optional<String> latent = whole.firstNonFinite(whole.namedSlots().keySet());
        if (latent.isPresent()) {
            return Prepared.diverged(latent.get());
        }
        ModelSnapshot snapshot = SnapshotCodec.toSnapshot(working.key, whole, learner, hyperParameters,
                working.lastEventTimestamp);
        snapshot.setHalted(working.halted);
        snapshot.setInputPosition(working.inputPosition());
        snapshot.setOutcomes(SnapshotCodec.outcomes(working.outcomes));
        snapshot.setScalers(SnapshotCodec.scalers(working.scalers));
        List<SnapshotRecord> records = List.of(record(working.key, snapshotSerde.serialize(null, snapshot)));
        return new Prepared(records, null, null);
    }

    /** The coordinates the next snapshot in parts publishes, in listing order. */
    private int[] partCoordinates(WorkingModel working, int[] eventCoordinates) {
        LinearModel model = working.model;
        if (PartGeneration.after(working.parts).base()) {
            return model.sortedCoordinates();
        }
        WorkingModel.ChangeSet changed = working.snapshotChanges();
        java.util.BitSet seen = new java.util.BitSet();
        int[] union = new int[changed.size() + eventCoordinates.length];
        int n = 0;
        for (int j = 0; j < changed.size(); j++) {
            seen.set(changed.get(j));
            union[n++] = changed.get(j);
        }
        for (int i : eventCoordinates) {
            if (!seen.get(i)) {
                seen.set(i);
                union[n++] = i;
            }
        }
        return model.sortCoordinates(java.util.Arrays.copyOf(union, n));
    }

    /** The divergence reason for the first of {@code coordinates} not finite once brought up to date, or null. */
    private String firstNonFinite(LinearModel model, int[] coordinates) {
        double[] current = new double[blockWidth()];
        for (int i : coordinates) {
            learner.currentSlots(model, i, current);
            for (double value : current) {
                if (!Double.isFinite(value)) {
                    return diverged("weight '" + model.coordinateName(i) + "'");
                }
            }
        }
        return null;
    }

    private static String diverged(String parameter) {
        return "update would make " + parameter + " non-finite once brought up to date (divergence)";
    }

    private Prepared inParts(WorkingModel working, int[] eventCoordinates) {
        LinearModel model = working.model;
        PartGeneration next = PartGeneration.after(working.parts);
        int[] coordinates = partCoordinates(working, eventCoordinates);
        String divergence = firstNonFinite(model, coordinates);
        if (divergence != null) {
            return Prepared.divergedBecause(divergence);
        }
        List<SnapshotRecord> records = new ArrayList<>();
        int index = packParts(working, coordinates, next.generation(), next.firstIndex(), records);
        SnapshotParts parts = next.written(index, coordinates.length, model.version());
        ModelSnapshot header = store.header(working);
        header.setParts(parts);
        // Where the store keeps the weights depends on when commits and evictions happened: never published.
        header.setStoredParts(null);
        records.add(record(working.key, snapshotSerde.serialize(null, header)));
        // The previous generation's parts are obsolete once this header is visible: compaction may drop them.
        for (String obsolete : next.obsoleteKeys(working.key)) {
            records.add(new SnapshotRecord(SnapshotLayout.utf8(obsolete), null));
        }
        return new Prepared(records, parts, null);
    }

    /** Packs the weights at {@code coordinates} into parts numbered from {@code index}; returns the next index. */
    private int packParts(WorkingModel working, int[] coordinates, long generation, int index,
            List<SnapshotRecord> records) {
        for (ModelSnapshotPart part : packer.pack(working.key, working.model, coordinates, generation, index)) {
            records.add(record(SnapshotLayout.partKey(working.key, generation, part.getIndex()),
                    partSerde.serialize(null, part)));
            index = part.getIndex() + 1;
        }
        return index;
    }

    private SnapshotRecord record(String key, byte[] value) {
        byte[] keyBytes = SnapshotLayout.utf8(key);
        if (keyBytes.length + value.length > maxRecordBytes) {
            // The bounds above are upper bounds of Avro's encoding; reaching this is a bug, never a large model.
            throw new IllegalStateException("snapshot record of " + (keyBytes.length + value.length)
                    + " bytes exceeds the limit of " + maxRecordBytes);
        }
        return new SnapshotRecord(keyBytes, value);
    }

    /** Records that {@code prepared}'s records of {@code working}'s snapshot were published. */
    void published(WorkingModel working, Prepared prepared) {
        if (prepared.parts != null) {
            working.parts = prepared.parts;
            working.headerDirty = true;
        } else {
            // A whole snapshot publishes every weight current; the model takes those very values, so that one
            // restored from the snapshot (a warm-started replay) continues bit for bit as this one does. Bringing a
            // weight up to date in two steps rounds differently from one step. O(the model), like the snapshot.
            LinearModel model = working.model;
            for (int i = 0, n = model.coordinateCount(); i < n; i++) {
                if (model.lastStep(i) < model.version()) {
                    learner.catchUp(model, i);
                    working.changedForStore(i);
                }
            }
        }
        working.snapshotChanges().clear();
    }

    /**
     * One record for the snapshot topic.
     *
     * @param key the key bytes
     * @param value the value bytes; null for a tombstone
     */
    record SnapshotRecord(byte[] key, byte[] value) {
    }

    /** The records of one snapshot, or why it cannot be published. */
    static final class Prepared {
        final List<SnapshotRecord> records;
        final SnapshotParts parts;
        final String divergence;

        private Prepared(List<SnapshotRecord> records, SnapshotParts parts, String divergence) {
            this.records = records;
            this.parts = parts;
            this.divergence = divergence;
        }

        static Prepared diverged(String parameter) {
            return divergedBecause(SnapshotEmitter.diverged(parameter));
        }

        static Prepared divergedBecause(String reason) {
            return new Prepared(List.of(), null, reason);
        }
    }
}
