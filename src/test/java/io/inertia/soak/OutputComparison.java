package io.inertia.soak;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.Prediction;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import io.inertia.topology.DeadLetterHeaders;
import io.inertia.topology.SnapshotLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Compares what the live learners published, as a {@code read_committed} reader sees it, with what the reference
 * learner published over the same input, record by record, and checks the live records on their own:
 *
 * <ul>
 *   <li>snapshot topic, per model: the same records (headers, parts, tombstones), byte for byte and in order; and the
 *       headers' versions are N, 2N, 3N, … (N = {@code snapshot-every}): none missing, none twice, in order;</li>
 *   <li>predictions, per model: the same records in order; and their model versions are 0, 1, 2, …: every event
 *       learned exactly once;</li>
 *   <li>dead letters, by the input position their {@code inertia.dlq.*} headers name: each exactly once, with the
 *       event's key and value and the reason the reference gave.</li>
 * </ul>
 *
 * Both sides are fed incrementally, in any interleaving; {@link #settle()} is called when both have read the same
 * input (every live instance caught up), and whatever is left unmatched then is a mismatch. After its first mismatch a
 * model's records on that topic are no longer compared (what follows would only repeat it).
 */
final class OutputComparison {

    /** Who published a record. */
    enum Side {
        LIVE, REFERENCE
    }

    /**
     * One difference, said precisely.
     *
     * @param subject the model key, or "dead letters"
     * @param what what differs, and where
     */
    record Mismatch(String subject, String what) {
        @Override
        public String toString() {
            return subject + ": " + what;
        }
    }

    /** A record as read; {@code where} is its partition and offset on the live side, null for the reference. */
    private record Item(byte[] key, byte[] value, String where) {
    }

    /** A dead letter as read: the event's key and value, the reason header, and where it was read (live only). */
    private record DeadLetter(byte[] key, byte[] value, String reason, String where) {
    }

    private static final String DEAD_LETTERS = "dead letters";

    /** One model's records on one topic, from both sides. */
    private static final class Stream {
        final ArrayDeque<Item> live = new ArrayDeque<>();
        final ArrayDeque<Item> reference = new ArrayDeque<>();
        boolean broken;
        /** The last version seen on the live side: of a snapshot header, or of a prediction's model. */
        long lastVersion;
        boolean any;
    }

    private final long snapshotEvery;
    private final SingleObjectAvroSerde<ModelSnapshot> snapshots = InertiaSerdes.modelSnapshot();
    private final SingleObjectAvroSerde<ModelSnapshotPart> parts = InertiaSerdes.modelSnapshotPart();
    private final SingleObjectAvroSerde<Prediction> predictions = InertiaSerdes.prediction();
    private final Map<String, Stream> snapshotStreams = new TreeMap<>();
    private final Map<String, Stream> predictionStreams = new TreeMap<>();
    private final Map<String, DeadLetter> liveDeadLetters = new LinkedHashMap<>();
    private final Map<String, DeadLetter> referenceDeadLetters = new LinkedHashMap<>();
    private final Set<String> deadLettersSeen = new HashSet<>();
    private final List<Mismatch> mismatches = new ArrayList<>();
    private long snapshotsChecked;
    private long snapshotRecordsChecked;
    private long predictionsChecked;
    private long deadLettersChecked;

    /** A comparison of learners that publish a snapshot every {@code snapshotEvery} updates of a model. */
    OutputComparison(long snapshotEvery) {
        this.snapshotEvery = snapshotEvery;
    }

    /** A record of the snapshot topic (a null value is a tombstone). */
    void snapshot(Side side, byte[] key, byte[] value, String where) {
        String recordKey = text(key);
        String model = SnapshotLayout.modelKeyOf(recordKey);
        Stream stream = snapshotStreams.computeIfAbsent(model, m -> new Stream());
        if (stream.broken) {
            return;
        }
        Item item = new Item(key, value, where);
        if (side == Side.LIVE && !SnapshotLayout.isPartKey(recordKey) && value != null) {
            long version = snapshots.deserialize(null, value).getVersion();
            long expected = stream.lastVersion + snapshotEvery;
            if (version != expected) {
                fail(stream, model, versionProblem("snapshot", version, expected, snapshotEvery, !stream.any,
                        where));
                return;
            }
            stream.lastVersion = version;
            stream.any = true;
        }
        (side == Side.LIVE ? stream.live : stream.reference).add(item);
        while (!stream.broken && !stream.live.isEmpty() && !stream.reference.isEmpty()) {
            Item live = stream.live.poll();
            Item reference = stream.reference.poll();
            if (!Arrays.equals(live.key(), reference.key()) || !Arrays.equals(live.value(), reference.value())) {
                fail(stream, model, "the snapshot record at " + live.where() + " is " + describeSnapshot(live)
                        + ", the reference's is " + describeSnapshot(reference) + differences(live, reference));
                return;
            }
            snapshotRecordsChecked++;
            if (!SnapshotLayout.isPartKey(recordKey(live)) && live.value() != null) {
                snapshotsChecked++;
            }
        }
    }

    /** A record of the prediction topic. */
    void prediction(Side side, byte[] key, byte[] value, String where) {
        String model = text(key);
        Stream stream = predictionStreams.computeIfAbsent(model, m -> new Stream());
        if (stream.broken) {
            return;
        }
        if (side == Side.LIVE) {
            long version = predictions.deserialize(null, value).getModelVersion();
            long expected = stream.any ? stream.lastVersion + 1 : 0;
            if (version != expected) {
                fail(stream, model, versionProblem("prediction by the model at", version, expected, 1,
                        !stream.any, where));
                return;
            }
            stream.lastVersion = version;
            stream.any = true;
        }
        (side == Side.LIVE ? stream.live : stream.reference).add(new Item(key, value, where));
        while (!stream.broken && !stream.live.isEmpty() && !stream.reference.isEmpty()) {
            Item live = stream.live.poll();
            Item reference = stream.reference.poll();
            if (!Arrays.equals(live.value(), reference.value())) {
                Prediction made = predictions.deserialize(null, live.value());
                fail(stream, model, "the prediction at " + live.where() + " (model version " + made.getModelVersion()
                        + ", event " + made.getEventId() + ") differs from the reference's" + differences(
                        made, predictions.deserialize(null, reference.value())));
                return;
            }
            predictionsChecked++;
        }
    }

    /** A record of the dead-letter topic. */
    void deadLetter(Side side, byte[] key, byte[] value, Headers headers, String where) {
        if (header(headers, DeadLetterHeaders.OFFSET) == null) {
            mismatches.add(new Mismatch(DEAD_LETTERS, "the dead letter at " + where + " has no "
                    + DeadLetterHeaders.OFFSET + " header"));
            return;
        }
        String position = header(headers, DeadLetterHeaders.TOPIC) + "/" + header(headers, DeadLetterHeaders.PARTITION)
                + "@" + header(headers, DeadLetterHeaders.OFFSET);
        DeadLetter letter = new DeadLetter(key, value, header(headers, DeadLetterHeaders.REASON), where);
        if (side == Side.LIVE) {
            if (!deadLettersSeen.add(position)) {
                mismatches.add(new Mismatch(DEAD_LETTERS, "the event at " + position + " was dead-lettered twice "
                        + "(again at " + where + ")"));
                return;
            }
            DeadLetter reference = referenceDeadLetters.remove(position);
            if (reference == null) {
                liveDeadLetters.put(position, letter);
            } else {
                matchDeadLetter(position, letter, reference);
            }
        } else {
            DeadLetter live = liveDeadLetters.remove(position);
            if (live == null) {
                referenceDeadLetters.put(position, letter);
            } else {
                matchDeadLetter(position, live, letter);
            }
        }
    }

    private void matchDeadLetter(String position, DeadLetter live, DeadLetter reference) {
        if (!Arrays.equals(live.key(), reference.key()) || !Arrays.equals(live.value(), reference.value())
                || !Objects.equals(live.reason(), reference.reason())) {
            mismatches.add(new Mismatch(DEAD_LETTERS, "the dead letter of " + position + " at " + live.where()
                    + " differs from the reference's:"
                    + (Objects.equals(live.reason(), reference.reason()) ? "" : " reason '" + live.reason()
                            + "' live, '" + reference.reason() + "' in the reference;")
                    + (Arrays.equals(live.key(), reference.key()) ? "" : " another key;")
                    + (Arrays.equals(live.value(), reference.value()) ? "" : " another value;")));
            return;
        }
        deadLettersChecked++;
    }

    /**
     * Both sides have read the same input, and the live side everything its learners committed for it: what is still
     * unmatched is a mismatch. Returns every mismatch so far.
     */
    List<Mismatch> settle() {
        settle("snapshot", snapshotStreams, this::describeSnapshot);
        settle("prediction", predictionStreams, item -> "the prediction of event "
                + predictions.deserialize(null, item.value()).getEventId() + " by the model at version "
                + predictions.deserialize(null, item.value()).getModelVersion());
        for (var missing : referenceDeadLetters.entrySet()) {
            mismatches.add(new Mismatch(DEAD_LETTERS, "the event at " + missing.getKey() + " was rejected by the "
                    + "reference ('" + missing.getValue().reason() + "') but has no live dead letter"));
        }
        for (var extra : liveDeadLetters.entrySet()) {
            mismatches.add(new Mismatch(DEAD_LETTERS, "the live dead letter of " + extra.getKey() + " at "
                    + extra.getValue().where() + " ('" + extra.getValue().reason() + "') has no counterpart in the "
                    + "reference"));
        }
        referenceDeadLetters.clear();
        liveDeadLetters.clear();
        return List.copyOf(mismatches);
    }

    private void settle(String what, Map<String, Stream> streams, java.util.function.Function<Item, String> describe) {
        for (var entry : streams.entrySet()) {
            Stream stream = entry.getValue();
            if (stream.broken) {
                continue;
            }
            if (!stream.live.isEmpty()) {
                Item first = stream.live.peek();
                fail(stream, entry.getKey(), "the live topic has " + stream.live.size() + " " + what + " record(s) "
                        + "more than the reference, from " + first.where() + ": " + describe.apply(first));
            } else if (!stream.reference.isEmpty()) {
                fail(stream, entry.getKey(), stream.reference.size() + " " + what + " record(s) of the reference "
                        + "are missing from the live topic, the first: " + describe.apply(stream.reference.peek()));
            }
        }
    }

    /** Every mismatch so far. */
    List<Mismatch> mismatches() {
        return List.copyOf(mismatches);
    }

    /** Snapshot headers (one per snapshot) found equal, byte for byte. */
    long snapshotsChecked() {
        return snapshotsChecked;
    }

    /** Snapshot records (headers, parts and tombstones) found equal. */
    long snapshotRecordsChecked() {
        return snapshotRecordsChecked;
    }

    long predictionsChecked() {
        return predictionsChecked;
    }

    long deadLettersChecked() {
        return deadLettersChecked;
    }

    private void fail(Stream stream, String model, String what) {
        stream.broken = true;
        stream.live.clear();
        stream.reference.clear();
        mismatches.add(new Mismatch(model, what));
    }

    /**
     * What is wrong when {@code version} arrives where {@code expected} was due; {@code last} is the version before
     * ({@code expected − step}), or none yet when {@code first}.
     */
    private static String versionProblem(String what, long version, long expected, long step, boolean first,
            String where) {
        long last = expected - step;
        if (!first && version == last) {
            return what + " version " + version + " twice (again at " + where + ")";
        }
        if (!first && version < last) {
            return what + " version " + version + " after version " + last + " (at " + where + ")";
        }
        if (version > expected && (version - expected) % step == 0) {
            long lastMissing = version - step;
            return what + (lastMissing == expected ? " version " + expected + " is" : " versions " + expected + " to "
                    + lastMissing + " are") + " missing: version " + version + " at " + where + " follows "
                    + (first ? "none" : "version " + last);
        }
        return what + " version " + version + " where version " + expected + " was due (at " + where + ")";
    }

    private String describeSnapshot(Item item) {
        String key = recordKey(item);
        if (!SnapshotLayout.isPartKey(key)) {
            if (item.value() == null) {
                return "a tombstone of the header";
            }
            ModelSnapshot header = snapshots.deserialize(null, item.value());
            return "the header of version " + header.getVersion() + (header.getParts() == null ? " (whole)"
                    : " (in parts: generation " + header.getParts().getGeneration() + ", " + header.getParts()
                            .getParts() + " parts)");
        }
        String[] fields = key.split(String.valueOf(SnapshotLayout.SEPARATOR));
        String part = "part " + fields[2] + " of generation " + fields[1];
        if (item.value() == null) {
            return "the tombstone of " + part;
        }
        return part + " (version " + parts.deserialize(null, item.value()).getVersion() + ")";
    }

    /** What differs between two snapshot records of the same key, field by field; empty when the keys differ. */
    private String differences(Item live, Item reference) {
        if (!Arrays.equals(live.key(), reference.key()) || live.value() == null || reference.value() == null) {
            return "";
        }
        boolean part = SnapshotLayout.isPartKey(recordKey(live));
        IndexedRecord a = part ? parts.deserialize(null, live.value()) : snapshots.deserialize(null, live.value());
        IndexedRecord b = part ? parts.deserialize(null, reference.value())
                : snapshots.deserialize(null, reference.value());
        return differences(a, b);
    }

    /** "; differing in …" listing the fields of two records that differ, or a note that only the bytes do. */
    static String differences(IndexedRecord live, IndexedRecord reference) {
        List<String> fields = new ArrayList<>();
        fieldDifferences("", live, reference, fields);
        return fields.isEmpty() ? "; the same fields in other bytes"
                : "; differing in " + String.join(", ", fields.subList(0, Math.min(6, fields.size())))
                        + (fields.size() > 6 ? " and " + (fields.size() - 6) + " more fields" : "");
    }

    private static void fieldDifferences(String prefix, IndexedRecord live, IndexedRecord reference,
            List<String> out) {
        for (Schema.Field field : live.getSchema().getFields()) {
            Object a = live.get(field.pos());
            Object b = reference.get(field.pos());
            if (Objects.equals(a, b)) {
                continue;
            }
            String name = prefix + field.name();
            if (a instanceof IndexedRecord x && b instanceof IndexedRecord y && x.getSchema().equals(y.getSchema())) {
                fieldDifferences(name + ".", x, y, out);
            } else if (a instanceof List<?> x && b instanceof List<?> y) {
                if (x.size() != y.size()) {
                    out.add(name + " (" + x.size() + " values live, " + y.size() + " in the reference)");
                } else {
                    int first = -1;
                    int count = 0;
                    for (int i = 0; i < x.size(); i++) {
                        if (!Objects.equals(x.get(i), y.get(i))) {
                            count++;
                            first = first < 0 ? i : first;
                        }
                    }
                    out.add(name + " (" + count + " of " + x.size() + " values, the first [" + first + "]: "
                            + x.get(first) + " live, " + y.get(first) + " in the reference)");
                }
            } else if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
                Set<Object> keys = new java.util.TreeSet<>(java.util.Comparator.comparing(String::valueOf));
                keys.addAll(x.keySet());
                keys.addAll(y.keySet());
                List<Object> differing = keys.stream().filter(k -> !Objects.equals(x.get(k), y.get(k))).toList();
                Object first = differing.get(0);
                out.add(name + " (" + differing.size() + " of " + keys.size() + " entries, the first '" + first
                        + "': " + x.get(first) + " live, " + y.get(first) + " in the reference)");
            } else {
                out.add(name + " (" + a + " live, " + b + " in the reference)");
            }
        }
    }

    private static String recordKey(Item item) {
        return text(item.key());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "(no key)" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
