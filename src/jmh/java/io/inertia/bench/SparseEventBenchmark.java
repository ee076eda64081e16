package io.inertia.bench;

import io.inertia.avro.LabeledEvent;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.model.OnlineLearner.LearningStep;
import io.inertia.replay.LocalLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Headers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of learning one sparse event of {@value #FEATURES_PER_EVENT} named features hashed into 2^b buckets, for
 * b = 16, 20, 24: the claim to show is that it does not grow with the number of buckets, because a model stores and
 * an event touches only the buckets that features actually fall into.
 *
 * <p>The benchmarks draw features from one open vocabulary of {@code vocabulary} names, hashed by
 * {@link FeatureHasher}, and pre-train with the same seeded events: every name once, then {@value #RANDOM_EVENTS}
 * random events. The model then holds one coordinate per occupied bucket. With 20,000 names (11,000 pre-training events)
 * it holds about as many at every b (17,191 at b = 16, where 14% of the names collide, 19,824 at b = 20, 19,990 at
 * b = 24): the comparison that isolates the bucket count. With 200,000 names (20,000 events) it holds 62,420 of the 65,536 buckets at b = 16 but 181,978 at
 * b = 20 and 198,861 at b = 24, so the larger bucket spaces also hold three times the weights, and the cost follows
 * the model's size in memory (cache and TLB misses), not the bucket count. Measured events draw their names uniformly
 * from the same vocabulary, so the model's size stays put while it is measured. The whole topology runs with 200,000
 * names only.
 *
 * <ul>
 *   <li>{@link #learnOneEvent}: the learning core alone, {@link OnlineLearner#learn} on a {@link LinearModel} in
 *       memory, with the event already hashed (momentum β = 0.9, η = 0.01, squared loss).</li>
 *   <li>{@link #baselineLoop}: the floor for the learning core, the same events' lazy momentum step written
 *       directly on plain arrays (2^b weights, velocities and last steps indexed by bucket; catch-up by the closed
 *       form with a table of β^k; no metrics, no divergence check): the arithmetic and memory traffic that touching
 *       20 weights and the bias costs at all. The target is the learning core within 2× of it.</li>
 *   <li>{@link #processOneEvent}: the full processor path without Kafka itself, one Avro event through the
 *       learner of {@link InertiaTopology} in a {@link LocalLearner} with {@code inertia.hash-bits} = b: decode,
 *       validate, hash, learn, encode the prediction, every 1,000 updates the model's snapshot in parts, and every
 *       {@value FullTopology#COMMIT_EVERY} events a commit that writes what changed to the (in-memory) stores, as
 *       {@code inertia run} does every 100 ms. Producing to Kafka and RocksDB are what it leaves out.</li>
 *   <li>{@link #learnOneEventOf}: the learning core for the other learners, at 2^20 buckets and 20,000 names, on
 *       classification events: {@code binary} (logistic loss, momentum: the floor of both others), {@code ftrl}
 *       (logistic loss, FTRL-Proximal with λ₁ = 0.001; target within 1.5× of binary) and {@code softmax10} (a
 *       10-class softmax model, momentum; target within 1.2·K = 12× of binary: an event steps K weights per
 *       feature).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SparseEventBenchmark {

    /** Named features per event. */
    static final int FEATURES_PER_EVENT = 20;
    /** Random events after the pass that trains every name once. */
    static final int RANDOM_EVENTS = 10_000;
    /** Distinct events cycled through while measuring (a power of two). */
    static final int MEASURED_EVENTS = 1 << 13;
    private static final long SEED = 20_240_611L;
    private static final String MODEL_KEY = "bench";

    /** The learning core with a pre-trained model in memory. */
    @State(Scope.Benchmark)
    public static class LearningCore {

        /** b: named features are hashed into 2^b buckets. */
        @Param({"16", "20", "24"})
        int hashBits;

        /** Distinct feature names events draw from. */
        @Param({"20000", "200000"})
        int vocabulary;

        OnlineLearner learner;
        LinearModel model;
        Example[] events;
        int next;

        @Setup(Level.Trial)
        public void train() {
            FeatureHasher hasher = FeatureHasher.of(hashBits);
            learner = InertiaConfig.defaults().learner();
            model = learner.newModel();
            EventSource source = new EventSource(vocabulary);
            source.pretraining().forEach(named -> learner.learn(model, hashed(hasher, named, source.label(named))));
            events = new Example[MEASURED_EVENTS];
            for (int i = 0; i < events.length; i++) {
                Map<String, Double> named = source.randomEvent();
                events[i] = hashed(hasher, named, source.label(named));
            }
            System.out.printf("%n%,d names into 2^%d buckets: %,d coordinates after %,d pre-training events%n",
                    vocabulary, hashBits, model.coordinateCount(), model.version());
        }

        private static Example hashed(FeatureHasher hasher, Map<String, Double> named, double label) {
            return Example.hashed(null, named, hasher, label, 1.0);
        }
    }

    /** The learning core of other losses and optimizers on classification events, with a pre-trained model. */
    @State(Scope.Benchmark)
    public static class Learners {

        /** The learner: binary (logistic, momentum), ftrl (logistic, FTRL-Proximal) or softmax10 (10 classes). */
        @Param({"binary", "ftrl", "softmax10"})
        String learner;

        OnlineLearner core;
        LinearModel model;
        Example[] events;
        int next;

        @Setup(Level.Trial)
        public void train() {
            Map<String, String> settings = switch (learner) {
                case "binary" -> Map.of("inertia.loss", "logistic");
                case "ftrl" -> Map.of("inertia.loss", "logistic", "inertia.optimizer", "ftrl", "inertia.l1", "0.001");
                case "softmax10" -> Map.of("inertia.loss", "softmax", "inertia.classes", "10");
                default -> throw new IllegalArgumentException("unknown learner " + learner);
            };
            FeatureHasher hasher = FeatureHasher.of(20);
            core = InertiaConfig.of(settings).learner();
            model = core.newModel();
            int classes = core.outputs() > 1 ? core.outputs() : 2;
            EventSource source = new EventSource(20_000);
            source.pretraining().forEach(named -> core.learn(model, Example.hashed(null, named, hasher,
                    source.classLabel(named, classes), 1.0)));
            events = new Example[MEASURED_EVENTS];
            for (int i = 0; i < events.length; i++) {
                Map<String, Double> named = source.randomEvent();
                events[i] = Example.hashed(null, named, hasher, source.classLabel(named, classes), 1.0);
            }
            System.out.printf("%n%s: %,d coordinates after %,d pre-training events%n", learner,
                    model.coordinateCount(), model.version());
        }
    }

    /** The learner's processor and stores, driven without Kafka Streams, with a pre-trained model. */
    @State(Scope.Benchmark)
    public static class FullTopology {

        /** Events between two commits of the working models to the stores. */
        static final int COMMIT_EVERY = 1_000;

        /** b: named features are hashed into 2^b buckets. */
        @Param({"16", "20", "24"})
        int hashBits;

        /** Distinct feature names events draw from. */
        @Param({"200000"})
        int vocabulary;

        LocalLearner learner;
        String topic;
        byte[] key;
        byte[][] events;
        long offset;
        int next;

        @Setup(Level.Trial)
        public void train() {
            InertiaConfig config = InertiaConfig.of(Map.of(
                    "inertia.hash-bits", Integer.toString(hashBits),
                    "inertia.snapshot-every", "1000"));
            topic = config.inputTopic();
            key = MODEL_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            // What the learner publishes is dropped: the benchmark measures producing it, not keeping it.
            learner = new LocalLearner(config, LearningObserver.NONE, new LocalLearner.Outputs() {
                @Override
                public void snapshot(byte[] key, byte[] value, long timestamp) {
                }

                @Override
                public void prediction(byte[] key, byte[] value, long timestamp) {
                }

                @Override
                public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                    throw new IllegalStateException("a benchmark event was rejected");
                }
            });
            SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
            EventSource source = new EventSource(vocabulary);
            source.pretraining().forEach(named -> process(serde.serialize(topic, event(named, source))));
            learner.commit();
            events = new byte[MEASURED_EVENTS][];
            for (int i = 0; i < events.length; i++) {
                events[i] = serde.serialize(topic, event(source.randomEvent(), source));
            }
        }

        void process(byte[] event) {
            learner.process(key, event, offset, topic, 0, offset);
            if (++offset % COMMIT_EVERY == 0) {
                learner.commit();
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            learner.close();
        }

        private static LabeledEvent event(Map<String, Double> named, EventSource source) {
            return LabeledEvent.newBuilder().setModelKey(MODEL_KEY).setNamedFeatures(named)
                    .setLabel(source.label(named)).build();
        }
    }

    /** The same events as {@link LearningCore}, as bucket indices and values for {@link #baselineLoop}. */
    @State(Scope.Benchmark)
    public static class PlainArrays {

        /** b: named features are hashed into 2^b buckets. */
        @Param({"16", "20", "24"})
        int hashBits;

        /** Distinct feature names events draw from. */
        @Param({"20000", "200000"})
        int vocabulary;

        /** Weight and velocity of bucket i at 2i and 2i + 1. */
        double[] slots;
        /** The update each bucket is current to. */
        long[] lastSteps;
        /** β^k for k < 4096. */
        double[] powers;
        long version;
        double bias;
        double biasVelocity;
        int[][] buckets;
        double[][] values;
        double[] labels;
        int next;

        @Setup(Level.Trial)
        public void prepare() {
            FeatureHasher hasher = FeatureHasher.of(hashBits);
            slots = new double[2 << hashBits];
            lastSteps = new long[1 << hashBits];
            powers = new double[4096];
            for (int k = 0; k < powers.length; k++) {
                powers[k] = Math.pow(0.9, k);
            }
            EventSource source = new EventSource(vocabulary);
            buckets = new int[MEASURED_EVENTS][];
            values = new double[MEASURED_EVENTS][];
            labels = new double[MEASURED_EVENTS];
            for (int i = 0; i < MEASURED_EVENTS; i++) {
                Map<String, Double> named = source.randomEvent();
                FeatureHasher.Buckets hashed = hasher.buckets(named);
                buckets[i] = hashed.indices();
                values[i] = hashed.values();
                labels[i] = source.label(named);
            }
        }
    }

    @Benchmark
    public double baselineLoop(PlainArrays plain) {
        int e = plain.next++ & (MEASURED_EVENTS - 1);
        int[] buckets = plain.buckets[e];
        double[] x = plain.values[e];
        double[] slots = plain.slots;
        long[] lastSteps = plain.lastSteps;
        long version = plain.version;
        double z = plain.bias;
        for (int j = 0; j < buckets.length; j++) {
            int bucket = buckets[j];
            long k = version - lastSteps[bucket];
            if (k > 0) {
                // k updates without gradient: v ← β^k·v, w ← w − v·Σ_{i=1..k} β^i.
                double bk = k < 4096 ? plain.powers[(int) k] : Math.pow(0.9, k);
                double velocity = slots[2 * bucket + 1];
                slots[2 * bucket] -= velocity * (0.9 * (1 - bk) / (1 - 0.9));
                slots[2 * bucket + 1] = velocity * bk;
            }
            lastSteps[bucket] = version + 1;
            z += slots[2 * bucket] * x[j];
        }
        double g = z - plain.labels[e];
        for (int j = 0; j < buckets.length; j++) {
            int at = 2 * buckets[j];
            double v = 0.9 * slots[at + 1] + 0.01 * g * x[j];
            slots[at + 1] = v;
            slots[at] -= v;
        }
        plain.biasVelocity = 0.9 * plain.biasVelocity + 0.01 * g;
        plain.bias -= plain.biasVelocity;
        plain.version = version + 1;
        return z;
    }

    @Benchmark
    public LearningStep learnOneEvent(LearningCore core) {
        Example event = core.events[core.next++ & (MEASURED_EVENTS - 1)];
        return core.learner.learn(core.model, event);
    }

    @Benchmark
    public LearningStep learnOneEventOf(Learners learners) {
        Example event = learners.events[learners.next++ & (MEASURED_EVENTS - 1)];
        return learners.core.learn(learners.model, event);
    }

    @Benchmark
    public void processOneEvent(FullTopology topology) {
        topology.process(topology.events[topology.next++ & (MEASURED_EVENTS - 1)]);
    }

    /**
     * Seeded events over the vocabulary {@code f0, f1, …}, labeled by a fixed random linear function of the names (so
     * that gradients are realistic, neither zero nor exploding).
     */
    static final class EventSource {

        private final SplittableRandom random = new SplittableRandom(SEED);
        private final String[] names;
        private final Map<String, Double> truth = new HashMap<>();

        EventSource(int vocabulary) {
            names = new String[vocabulary];
            SplittableRandom weights = new SplittableRandom(SEED + 1);
            for (int i = 0; i < vocabulary; i++) {
                names[i] = "f" + i;
                truth.put(names[i], weights.nextDouble(-1, 1));
            }
        }

        /** Every name once (in a shuffled order, {@value #FEATURES_PER_EVENT} per event), then {@value #RANDOM_EVENTS}
         * random events. */
        Stream<Map<String, Double>> pretraining() {
            int[] order = new int[names.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            Stream<Map<String, Double>> everyName = Stream.iterate(0, start -> start + FEATURES_PER_EVENT)
                    .limit(order.length / FEATURES_PER_EVENT)
                    .map(start -> {
                        Map<String, Double> named = new HashMap<>();
                        for (int k = start; k < start + FEATURES_PER_EVENT; k++) {
                            named.put(names[order[k]], random.nextDouble(-1, 1));
                        }
                        return named;
                    });
            return Stream.concat(everyName, Stream.generate(this::randomEvent).limit(RANDOM_EVENTS));
        }

        /** {@value #FEATURES_PER_EVENT} distinct names drawn uniformly, values uniform in [−1, 1]. */
        Map<String, Double> randomEvent() {
            Map<String, Double> named = new HashMap<>();
            while (named.size() < FEATURES_PER_EVENT) {
                named.put(names[random.nextInt(names.length)], random.nextDouble(-1, 1));
            }
            return named;
        }

        /**
         * The class of {@link #label}'s value among {@code classes} equally likely intervals of a unit normal
         * (0 or 1 for two classes: its sign).
         */
        double classLabel(Map<String, Double> named, int classes) {
            double y = label(named);
            // Φ(y) by the logistic approximation Φ(y) ≈ σ(1.702·y): accurate to 0.01, enough for balanced classes.
            double quantile = 1 / (1 + Math.exp(-1.702 * y));
            return Math.min(classes - 1, (int) (quantile * classes));
        }

        /** y = Σ a_n·x_n / √(20/9): unit variance, since each term has variance 1/9. */
        double label(Map<String, Double> named) {
            double sum = 0;
            for (Map.Entry<String, Double> feature : named.entrySet()) {
                sum += truth.get(feature.getKey()) * feature.getValue();
            }
            return sum / Math.sqrt(FEATURES_PER_EVENT / 9.0);
        }
    }
}
