package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.SnapshotParts;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.JsonRecordSerde;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reassembles whole snapshots from the records of the snapshot topic (Avro or, with {@code inertia.output.format=json},
 * JSON), read in order (see {@link SnapshotLayout}): for
 * each model the latest header and the parts it names, never a mix of two versions. A whole snapshot has every named
 * weight in {@code namedWeights}, brought up to the header's version with the closed forms of the header's own
 * optimizer, and {@code parts} null. Used by {@code inertia snapshots}, replay and the tests; not thread-safe.
 */
public final class SnapshotAssembler {

    private final SingleObjectAvroSerde<ModelSnapshot> snapshotSerde = InertiaSerdes.modelSnapshot();
    private final SingleObjectAvroSerde<ModelSnapshotPart> partSerde = InertiaSerdes.modelSnapshotPart();
    /** For a topic written with {@code inertia.output.format=json}: told apart from Avro by its first byte. */
    private final JsonRecordSerde<ModelSnapshot> jsonSnapshots = new JsonRecordSerde<>(ModelSnapshot.getClassSchema());
    private final JsonRecordSerde<ModelSnapshotPart> jsonParts =
            new JsonRecordSerde<>(ModelSnapshotPart.getClassSchema());
    /** The latest header of each model. */
    private final SortedMap<String, ModelSnapshot> headers = new TreeMap<>();
    /** The live parts of each model, by part key. */
    private final Map<String, Map<String, ModelSnapshotPart>> parts = new HashMap<>();
    private final List<String> incomplete = new java.util.ArrayList<>();

    /**
     * Takes the next record of the snapshot topic ({@code value} null for a tombstone). Returns the whole snapshot a
     * header completes, empty for a part or a tombstone.
     *
     * @throws org.apache.kafka.common.errors.SerializationException when the value is not a snapshot record
     * @throws IllegalStateException when a header names a part that was not read before it
     */
    public Optional<ModelSnapshot> accept(String topic, byte[] key, byte[] value) {
        ModelSnapshot header = take(topic, key, value);
        return header == null ? Optional.empty() : Optional.of(whole(header));
    }

    /**
     * Takes the next record like {@link #accept}, without reassembling anything: for a reader that wants only the
     * latest snapshots ({@link #latest()}), whatever the number of headers before them. Returns the header read, or
     * null for a part or a tombstone.
     */
    public ModelSnapshot take(String topic, byte[] key, byte[] value) {
        return read(topic, key, value) instanceof ModelSnapshot header ? header : null;
    }

    /**
     * Takes the next record like {@link #take}; returns it decoded: a {@link ModelSnapshot} (a header, or a whole
     * snapshot), a {@link ModelSnapshotPart}, or null for a tombstone.
     */
    public org.apache.avro.specific.SpecificRecord read(String topic, byte[] key, byte[] value) {
        String recordKey = new String(key, StandardCharsets.UTF_8);
        String modelKey = SnapshotLayout.modelKeyOf(recordKey);
        if (SnapshotLayout.isPartKey(recordKey)) {
            if (value == null) {
                parts.getOrDefault(modelKey, new HashMap<>()).remove(recordKey);
                return null;
            }
            ModelSnapshotPart part = JsonRecordSerde.isJson(value) ? jsonParts.deserialize(topic, value)
                    : partSerde.deserialize(topic, value);
            takePart(part);
            return part;
        }
        if (value == null) {
            headers.remove(modelKey);
            parts.remove(modelKey);
            return null;
        }
        ModelSnapshot header = JsonRecordSerde.isJson(value) ? jsonSnapshots.deserialize(topic, value)
                : snapshotSerde.deserialize(topic, value);
        takeHeader(header);
        return header;
    }

    /**
     * Takes a part already decoded (from a replay's Avro output, which holds the records of the snapshot topic
     * without its tombstones).
     */
    public void takePart(ModelSnapshotPart part) {
        String modelKey = part.getModelKey();
        parts.computeIfAbsent(modelKey, k -> new HashMap<>())
                .put(SnapshotLayout.partKey(modelKey, part.getGeneration(), part.getIndex()), part);
    }

    /**
     * Takes a header already decoded; returns the whole snapshot it completes. Parts of generations before the
     * header's are dropped: no later header can name them (the topic deletes them too, with tombstones).
     */
    public ModelSnapshot acceptHeader(ModelSnapshot header) {
        takeHeader(header);
        return whole(header);
    }

    /** Takes a header already decoded, reassembling nothing yet (see {@link #acceptHeader}). */
    public void takeHeader(ModelSnapshot header) {
        headers.put(header.getModelKey(), header);
        Map<String, ModelSnapshotPart> live = parts.get(header.getModelKey());
        if (live != null) {
            long generation = header.getParts() == null ? Long.MAX_VALUE : header.getParts().getGeneration();
            live.values().removeIf(part -> part.getGeneration() < generation);
        }
    }

    /**
     * A model's latest snapshot as published: its header and, when it is in parts, the parts it names, in index
     * order, each weight as of its last update.
     *
     * @param header the header (the whole snapshot when {@code parts} is empty)
     * @param parts the parts 0..n−1 of the header's generation
     */
    public record Published(ModelSnapshot header, List<ModelSnapshotPart> parts) {
    }

    /**
     * The latest snapshot of every model read so far as published, by model key: what a learner resumes from exactly
     * (a whole snapshot would bring every weight up to date, which rounds differently from the learner's own later
     * catch-up). Models that lack a part are left out, as in {@link #latest()}.
     */
    public SortedMap<String, Published> latestPublished() {
        SortedMap<String, Published> latest = new TreeMap<>();
        incomplete.clear();
        headers.forEach((key, header) -> {
            SnapshotParts layout = header.getParts();
            List<ModelSnapshotPart> named = new java.util.ArrayList<>();
            if (layout != null) {
                Map<String, ModelSnapshotPart> live = parts.getOrDefault(key, Map.of());
                for (int index = 0; index < layout.getParts(); index++) {
                    ModelSnapshotPart part = live.get(SnapshotLayout.partKey(key, layout.getGeneration(), index));
                    if (part == null) {
                        incomplete.add("snapshot of '" + key + "' at version " + header.getVersion()
                                + " lacks its part " + layout.getGeneration() + "/" + index);
                        return;
                    }
                    named.add(part);
                }
            }
            latest.put(key, new Published(header, List.copyOf(named)));
        });
        return latest;
    }

    /**
     * Parts 0..{@code count}−1 of generation {@code generation} of {@code modelKey}, as read so far, in index order.
     *
     * @throws IllegalStateException when one of them was not read (or was deleted since)
     */
    public List<ModelSnapshotPart> parts(String modelKey, long generation, int count) {
        Map<String, ModelSnapshotPart> live = parts.getOrDefault(modelKey, Map.of());
        List<ModelSnapshotPart> found = new java.util.ArrayList<>(count);
        for (int index = 0; index < count; index++) {
            ModelSnapshotPart part = live.get(SnapshotLayout.partKey(modelKey, generation, index));
            if (part == null) {
                throw new IllegalStateException("the snapshot of '" + modelKey + "' lacks its part " + generation + "/"
                        + index);
            }
            found.add(part);
        }
        return found;
    }

    /** The latest whole snapshot of every model read so far, by model key. */
    public SortedMap<String, ModelSnapshot> latest() {
        SortedMap<String, ModelSnapshot> latest = new TreeMap<>();
        incomplete.clear();
        headers.forEach((key, header) -> {
            try {
                latest.put(key, whole(header));
            } catch (IllegalStateException e) {
                // Only a topic written against the layout (or cut by retention) lacks a part: say so, skip the model.
                incomplete.add(e.getMessage());
            }
        });
        return latest;
    }

    /** Why {@link #latest()} left models out, one line each: snapshots that lack a part. */
    public List<String> incomplete() {
        return List.copyOf(incomplete);
    }

    /** The whole snapshot that {@code header} describes, from the parts read so far. */
    private ModelSnapshot whole(ModelSnapshot header) {
        SnapshotParts layout = header.getParts();
        if (layout == null) {
            return header;
        }
        LinearModel model = SnapshotCodec.toModel(header);
        Map<String, ModelSnapshotPart> live = parts.getOrDefault(header.getModelKey(), Map.of());
        for (int index = 0; index < layout.getParts(); index++) {
            String partKey = SnapshotLayout.partKey(header.getModelKey(), layout.getGeneration(), index);
            ModelSnapshotPart part = live.get(partKey);
            if (part == null) {
                throw new IllegalStateException("snapshot of '" + header.getModelKey() + "' at version "
                        + header.getVersion() + " lacks its part " + layout.getGeneration() + "/" + index);
            }
            PartPacker.unpack(part, model);
        }
        OnlineLearner learner = learnerOf(header.getHyperParameters(), header.getMetrics().getWindowSize());
        ModelSnapshot snapshot = SnapshotCodec.toSnapshot(header.getModelKey(), model, learner,
                header.getHyperParameters(), header.getLastEventTimestamp());
        snapshot.setHalted(header.getHalted());
        snapshot.setInputPosition(header.getInputPosition());
        snapshot.setOutcomes(header.getOutcomes());
        snapshot.setScalers(header.getScalers());
        return snapshot;
    }

    /** The learner that a snapshot's hyper-parameters describe, to bring its weights up to date. */
    static OnlineLearner learnerOf(HyperParameters hyper, int metricsWindow) {
        Map<String, String> settings = new HashMap<>();
        String loss = hyper.getLoss();
        int open = loss.indexOf('(');
        settings.put(InertiaConfig.Key.LOSS.key(), open < 0 ? loss : loss.substring(0, open));
        if (open >= 0) {
            String parameter = loss.substring(loss.indexOf('=') + 1, loss.length() - 1);
            settings.put(loss.startsWith("huber") ? InertiaConfig.Key.HUBER_DELTA.key()
                    : InertiaConfig.Key.QUANTILE_TAU.key(), parameter);
        }
        settings.put(InertiaConfig.Key.OPTIMIZER.key(), hyper.getOptimizer());
        settings.put(InertiaConfig.Key.SCHEDULE.key(), hyper.getSchedule());
        settings.put(InertiaConfig.Key.LEARNING_RATE.key(), Double.toString(hyper.getLearningRate()));
        settings.put(InertiaConfig.Key.POWER_T.key(), Double.toString(hyper.getPowerT()));
        settings.put(InertiaConfig.Key.ALPHA.key(), Double.toString(hyper.getAlpha()));
        settings.put(InertiaConfig.Key.T0.key(), Double.toString(hyper.getT0()));
        settings.put(InertiaConfig.Key.MOMENTUM.key(), Double.toString(hyper.getMomentum()));
        settings.put(InertiaConfig.Key.ADAM_BETA2.key(), Double.toString(hyper.getAdamBeta2()));
        settings.put(InertiaConfig.Key.EPSILON.key(), Double.toString(hyper.getEpsilon()));
        settings.put(InertiaConfig.Key.L1.key(), Double.toString(hyper.getL1()));
        settings.put(InertiaConfig.Key.L2.key(), Double.toString(hyper.getL2()));
        settings.put(InertiaConfig.Key.CLIP_VALUE.key(), Double.toString(hyper.getClipValue()));
        settings.put(InertiaConfig.Key.CLIP_NORM.key(), Double.toString(hyper.getClipNorm()));
        settings.put(InertiaConfig.Key.LOSS_SMOOTHING.key(), Double.toString(hyper.getLossSmoothing()));
        settings.put(InertiaConfig.Key.METRICS_WINDOW.key(), Integer.toString(metricsWindow));
        settings.put(InertiaConfig.Key.FTRL_ALPHA.key(), Double.toString(hyper.getFtrlAlpha()));
        settings.put(InertiaConfig.Key.FTRL_BETA.key(), Double.toString(hyper.getFtrlBeta()));
        if (hyper.getClasses() > 1) {
            settings.put(InertiaConfig.Key.CLASSES.key(), Integer.toString(hyper.getClasses()));
            settings.put(InertiaConfig.Key.CLASS_NAMES.key(), String.join(",", hyper.getClassNames()));
        }
        return InertiaConfig.of(settings).learner();
    }
}
