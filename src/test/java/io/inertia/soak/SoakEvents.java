package io.inertia.soak;

import io.inertia.avro.LabeledEvent;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.utils.Utils;

/**
 * The soak's input: a seeded stream of events for models of both snapshot layouts, with some bad events among them.
 *
 * <p>Small models (two per partition) publish whole snapshots: half of them dense (d = {@value #DENSE}), half with
 * {@value #SMALL_NAMES_PER_EVENT} of {@value #SMALL_VOCABULARY} names per event. Two large models, on different
 * partitions, draw {@value #LARGE_NAMES_PER_EVENT} names per event from {@value #LARGE_VOCABULARY}, which the learner
 * hashes into 2^hashBits buckets: they pass {@value io.inertia.topology.SnapshotLayout#INLINE_WEIGHTS} weights within a
 * few hundred events and are published in parts from then on. Labels are y = w·x + b + ε (ε ~ N(0, 0.1²)) with seeded
 * true weights and features scaled so that E‖x‖² = 1, so that the default momentum step learns without diverging.
 *
 * <p>Event i carries the timestamp {@link #FIRST_TIMESTAMP} + i ms, years in the past, as a replay of old data would:
 * the case in which the broker used to compact snapshot versions away at once (README, "Snapshot history and event
 * timestamps").
 *
 * <p>About one event in {@link #BAD_EVERY} is bad, in one of {@link BadKind}'s ways, each of which the learner
 * dead-letters; bad events start after the first {@value #GOOD_PREFIX}, so that every model already has a shape.
 */
final class SoakEvents {

    /**
     * One record to send: {@code partition} null for Kafka's default partitioner, {@code key} null for none, with its
     * own {@code timestamp}.
     */
    record Outgoing(Integer partition, long timestamp, byte[] key, byte[] value, boolean bad) {
    }

    /** The ways an event is bad. */
    enum BadKind {
        /** A value that is not a single-object encoded Avro record. */
        UNDECODABLE,
        /** A label that is not a number. */
        NAN_LABEL,
        /** A record key other than the event's model key. */
        KEY_MISMATCH,
        /** A good event on another partition than its key's. */
        WRONG_PARTITION,
        /** A dense model's event with one feature fewer than the model has. */
        DENSE_LENGTH,
        /** A record without a key. */
        MISSING_KEY
    }

    static final int DENSE = 4;
    static final int SMALL_VOCABULARY = 6;
    static final int SMALL_NAMES_PER_EVENT = 3;
    static final int LARGE_VOCABULARY = 50_000;
    static final int LARGE_NAMES_PER_EVENT = 10;
    /** One event in this many (on average) is bad. */
    static final int BAD_EVERY = 100;
    static final int GOOD_PREFIX = 500;
    /** The timestamp of the first event: 2020-01-01T00:00:00Z. */
    static final long FIRST_TIMESTAMP = 1_577_836_800_000L;
    /** Of every 100 events, this many go to the large models. */
    private static final int LARGE_SHARE = 30;
    private static final double NOISE = 0.1;

    private final int partitions;
    private final SplittableRandom random;
    private final List<String> small;
    private final List<String> large;
    private final Map<String, double[]> denseTruth = new LinkedHashMap<>();
    private final Map<String, Double> bias = new LinkedHashMap<>();
    private final double[] smallTruth = new double[SMALL_VOCABULARY];
    private final double[] largeTruth = new double[LARGE_VOCABULARY];
    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private long sequence;

    SoakEvents(long seed, int partitions) {
        this.partitions = partitions;
        this.random = new SplittableRandom(seed);
        // The truth has its own generator, so the event stream does not depend on how much truth there is.
        SplittableRandom truth = new SplittableRandom(seed ^ 0x5DEECE66DL);
        small = keys("small-", 2, partitions);
        large = keys("large-", 1, 2);
        for (int i = 0; i < small.size(); i++) {
            if (isDense(small.get(i))) {
                double[] weights = new double[DENSE];
                for (int j = 0; j < DENSE; j++) {
                    weights[j] = truth.nextDouble(-1, 1);
                }
                denseTruth.put(small.get(i), weights);
            }
        }
        for (String key : models()) {
            bias.put(key, truth.nextDouble(-1, 1));
        }
        for (int i = 0; i < smallTruth.length; i++) {
            smallTruth[i] = truth.nextDouble(-1, 1);
        }
        for (int i = 0; i < largeTruth.length; i++) {
            largeTruth[i] = truth.nextDouble(-1, 1);
        }
    }

    /**
     * Model keys named {@code prefix} + i, {@code perPartition} on each of the first {@code covering} partitions
     * (Kafka's default partitioner, murmur2 of the key, says which), in the order found.
     */
    private List<String> keys(String prefix, int perPartition, int covering) {
        Map<Integer, Integer> taken = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < perPartition * covering; i++) {
            String key = prefix + i;
            int partition = partitionOf(key);
            if (taken.size() < covering || taken.containsKey(partition)) {
                if (taken.getOrDefault(partition, 0) < perPartition) {
                    taken.merge(partition, 1, Integer::sum);
                    keys.add(key);
                }
            }
        }
        return keys;
    }

    /** Every model key: the small models, then the large. */
    List<String> models() {
        List<String> all = new ArrayList<>(small);
        all.addAll(large);
        return all;
    }

    /** The models published in parts. */
    List<String> largeModels() {
        return large;
    }

    /** The partition Kafka's default partitioner gives {@code key}. */
    int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private boolean isDense(String smallKey) {
        return small.indexOf(smallKey) % 2 == 0;
    }

    /** The next record to send. */
    Outgoing next() {
        long number = sequence++;
        if (number >= GOOD_PREFIX && random.nextInt(BAD_EVERY) == 0) {
            return bad(number, BadKind.values()[random.nextInt(BadKind.values().length)]);
        }
        String key = random.nextInt(100) < LARGE_SHARE ? large.get(random.nextInt(large.size()))
                : small.get(random.nextInt(small.size()));
        return new Outgoing(null, FIRST_TIMESTAMP + number, utf8(key), serde.serialize(null, event(number, key)),
                false);
    }

    private LabeledEvent event(long number, String key) {
        LabeledEvent.Builder event = LabeledEvent.newBuilder().setModelKey(key).setEventId("e" + number);
        double label = bias.get(key) + NOISE * random.nextGaussian();
        if (denseTruth.containsKey(key)) {
            double[] weights = denseTruth.get(key);
            double scale = Math.sqrt(3.0 / DENSE);
            List<Double> dense = new ArrayList<>(DENSE);
            for (double weight : weights) {
                double x = random.nextDouble(-scale, scale);
                dense.add(x);
                label += weight * x;
            }
            event.setDenseFeatures(dense);
        } else {
            boolean isLarge = large.contains(key);
            int count = isLarge ? LARGE_NAMES_PER_EVENT : SMALL_NAMES_PER_EVENT;
            double[] truth = isLarge ? largeTruth : smallTruth;
            double scale = Math.sqrt(3.0 / count);
            // Insertion order fixes the order Avro writes the map in.
            Map<String, Double> named = new LinkedHashMap<>();
            while (named.size() < count) {
                int index = random.nextInt(truth.length);
                String name = (isLarge ? "w" : "s") + index;
                if (!named.containsKey(name)) {
                    double x = random.nextDouble(-scale, scale);
                    named.put(name, x);
                    label += truth[index] * x;
                }
            }
            event.setNamedFeatures(named);
        }
        return event.setLabel(label).build();
    }

    private Outgoing bad(long number, BadKind kind) {
        String key = small.get(random.nextInt(small.size()));
        long timestamp = FIRST_TIMESTAMP + number;
        return switch (kind) {
            case UNDECODABLE -> new Outgoing(null, timestamp, utf8(key), utf8("not an event #" + number), true);
            case NAN_LABEL -> {
                LabeledEvent event = event(number, key);
                event.setLabel(Double.NaN);
                yield new Outgoing(null, timestamp, utf8(key), serde.serialize(null, event), true);
            }
            case KEY_MISMATCH -> {
                String other = small.get((small.indexOf(key) + 1) % small.size());
                yield new Outgoing(null, timestamp, utf8(key), serde.serialize(null, event(number, other)), true);
            }
            case WRONG_PARTITION -> new Outgoing((partitionOf(key) + 1) % partitions, timestamp, utf8(key),
                    serde.serialize(null, event(number, key)), true);
            case DENSE_LENGTH -> {
                String dense = small.get(2 * random.nextInt(small.size() / 2));
                LabeledEvent event = event(number, dense);
                event.setDenseFeatures(new ArrayList<>(event.getDenseFeatures().subList(0, DENSE - 1)));
                yield new Outgoing(null, timestamp, utf8(dense), serde.serialize(null, event), true);
            }
            case MISSING_KEY -> new Outgoing((int) (number % partitions), timestamp, null,
                    serde.serialize(null, event(number, key)), true);
        };
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
