package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Evicting working models changes nothing: the same seeded stream of events for 200 models through the topology gives
 * exactly the same published records (snapshots with their parts, predictions, dead letters), byte for byte and in the
 * same order, with the default {@code inertia.model-cache-max-bytes}, with a budget of one byte (every model is
 * evicted after every event and reloaded from the store on its next one) and with a budget in between (some models
 * stay, the least recently used go).
 *
 * <p>Why this would catch lost state: every event is scored before it is learned from, and its prediction carries the
 * score and the model version, so an event of a model reloaded without some of its state (a weight, a velocity, the
 * lazy "current up to" step of a weight, the bias, the version, the metrics, the running loss) gives different
 * prediction bytes at once, and the model's next snapshot shows every parameter and metric. The stream is built so
 * that reloads matter: many models, each event carrying only a few of its model's features (most weights are brought
 * forward lazily across reloads), dense features for some models, and a skewed order in which cold models come back
 * after many other models' events.
 */
class ModelEvictionTest {

    private static final long SEED = 8_675_309L;
    private static final int MODELS = 200;
    private static final int EVENTS = 4_000;
    /** Names each model's events draw from. */
    private static final int NAMES_PER_MODEL = 40;
    private static final int DENSE = 3;
    /** Models whose events carry many features, so that their snapshots come in parts. */
    private static final int WIDE_MODELS = 2;
    private static final int WIDE_NAMES = 3000;
    private static final int WIDE_FEATURES = 25;
    private static final int WIDE_SHARE_PERCENT = 6;
    /** Events between two simulated commits in the processor-level test. */
    private static final int EVENTS_PER_COMMIT = 37;

    @TempDir
    Path stateDirs;

    /**
     * Learner settings: several optimizers, regularisations and schedules, named and hashed features; with named
     * features a record limit of 64 KiB, so that the wide models' snapshots take several parts.
     */
    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("momentum, L2, named features", Map.of(
                        "inertia.optimizer", "momentum", "inertia.l2", "0.001", "inertia.snapshot-every", "7",
                        "inertia.max-record-bytes", "65536")),
                Arguments.of("adam, hashed into 2^8 buckets", Map.of(
                        "inertia.optimizer", "adam", "inertia.hash-bits", "8", "inertia.snapshot-every", "5")),
                Arguments.of("nesterov, elastic net, invscaling, named features", Map.of(
                        "inertia.optimizer", "nesterov", "inertia.l1", "0.0005", "inertia.l2", "0.001",
                        "inertia.schedule", "invscaling", "inertia.snapshot-every", "4",
                        "inertia.max-record-bytes", "65536")),
                Arguments.of("ema-momentum, huber, hashed into 2^6 buckets", Map.of(
                        "inertia.optimizer", "ema-momentum", "inertia.loss", "huber", "inertia.hash-bits", "6",
                        "inertia.snapshot-every", "3")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void shouldPublishTheSameBytesWhenEveryModelIsEvictedAfterEveryEvent(String name, Map<String, String> settings)
            throws Exception {
        List<Event> events = events(SEED);
        Output everyModelKept = run(settings, null, events);
        Output everyModelEvicted = run(settings, "1", events);
        Output someModelsEvicted = run(settings, "16384", events);

        // The runs are not empty: one prediction per event, and one snapshot (a record keyed by the model key, plus
        // parts keyed by the model key, NUL, …) after every N-th event of each model: Σ_m ⌊n_m / N⌋ of them.
        assertEquals(EVENTS, everyModelKept.predictions().size(), name + ": predictions");
        long every = Long.parseLong(settings.get("inertia.snapshot-every"));
        Map<String, Long> perModel = new TreeMap<>();
        events.forEach(event -> perModel.merge(event.key(), 1L, Long::sum));
        long expectedSnapshots = perModel.values().stream().mapToLong(n -> n / every).sum();
        long headers = everyModelKept.snapshots().stream()
                .filter(record -> perModel.containsKey(new String(record.key(), StandardCharsets.UTF_8))).count();
        assertEquals(expectedSnapshots, headers, name + ": snapshots published");
        assertTrue(expectedSnapshots > MODELS, name + ": " + expectedSnapshots + " snapshots");
        long parts = everyModelKept.snapshots().stream()
                .filter(record -> new String(record.key(), StandardCharsets.UTF_8).indexOf('\u0000') >= 0).count();
        if (!settings.containsKey("inertia.hash-bits")) {
            assertTrue(parts > WIDE_MODELS, name + ": the wide models' snapshots come in parts; " + parts + " parts");
        }
        assertEquals(List.of(), everyModelKept.deadLetters(), name + ": no event is refused");
        assertPredictionsCountVersionsPerModel(name, events, everyModelKept.predictions());

        assertSameRecords(name + ", budget 1 byte vs default: snapshot topic", everyModelKept.snapshots(),
                everyModelEvicted.snapshots());
        assertSameRecords(name + ", budget 1 byte vs default: predictions", everyModelKept.predictions(),
                everyModelEvicted.predictions());
        assertSameRecords(name + ", budget 1 byte vs default: dead letters", everyModelKept.deadLetters(),
                everyModelEvicted.deadLetters());
        assertSameRecords(name + ", budget 16 KiB vs default: snapshot topic", everyModelKept.snapshots(),
                someModelsEvicted.snapshots());
        assertSameRecords(name + ", budget 16 KiB vs default: predictions", everyModelKept.predictions(),
                someModelsEvicted.predictions());
        assertSameRecords(name + ", budget 16 KiB vs default: dead letters", everyModelKept.deadLetters(),
                someModelsEvicted.deadLetters());
    }

    /**
     * The same with several events per commit, which {@code TopologyTestDriver} cannot do (it commits after every
     * record): the learner processor over in-memory stores in a {@link MockProcessorContext}, its working models
     * written to the stores only when a commit is simulated (what Kafka Streams' {@code prepareCommit} does: flush the
     * working-model store), every {@value #EVENTS_PER_COMMIT} events. An evicted model that was not written, or a
     * model reloaded from the stores while a newer copy waits for the commit, would publish different bytes here.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void shouldPublishTheSameBytesWhenModelsAreEvictedBetweenCommits(String name, Map<String, String> settings) {
        List<Event> events = events(SEED + 1);
        InertiaConfig config = InertiaConfig.of(settings);
        List<Forwarded> kept = process(config, config.modelCacheMaxBytes(), events);
        List<Forwarded> evicted = process(config, 1, events);
        List<Forwarded> someEvicted = process(config, 16_384, events);

        assertEquals(EVENTS, kept.stream().filter(f -> f.child().equals(InertiaTopology.PREDICTION_SINK)).count(),
                name + ": predictions");
        assertEquals(0, kept.stream().filter(f -> f.child().equals(InertiaTopology.DEAD_LETTER_SINK)).count(),
                name + ": dead letters");
        assertSameForwards(name + ", budget 1 byte vs default", kept, evicted);
        assertSameForwards(name + ", budget 16 KiB vs default", kept, someEvicted);
    }

    private static void assertSameForwards(String what, List<Forwarded> expected, List<Forwarded> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            Forwarded e = expected.get(i);
            Forwarded a = actual.get(i);
            assertEquals(e.child(), a.child(), what + ": sink of record #" + (i + 1));
            assertArrayEquals(e.key(), a.key(), what + ": key of record #" + (i + 1) + " to " + e.child());
            assertArrayEquals(e.value(), a.value(), what + ": value of record #" + (i + 1) + " to " + e.child());
            assertEquals(e.timestamp(), a.timestamp(), what + ": timestamp of record #" + (i + 1));
        }
        assertEquals(expected.size(), actual.size(), what + ": records forwarded");
    }

    /**
     * A record the processor forwarded.
     *
     * @param child the sink it went to
     * @param key its key
     * @param value its value
     * @param timestamp its timestamp
     */
    private record Forwarded(String child, byte[] key, byte[] value, long timestamp) {
    }

    /** {@code events} through a learner processor (see above) with a working-model budget of {@code budget} bytes. */
    private static List<Forwarded> process(InertiaConfig config, long budget, List<Event> events) {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, ModelSnapshot> headers = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.NAME), Serdes.String(), InertiaSerdes.modelSnapshot())
                .withLoggingDisabled().withCachingDisabled().build();
        KeyValueStore<String, ModelCoordinate> coordinates = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.COORDINATES), Serdes.String(),
                InertiaSerdes.modelCoordinate()).withLoggingDisabled().withCachingDisabled().build();
        KeyValueStore<String, io.inertia.avro.ModelSnapshotPart> parts = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.PARTS), Serdes.String(),
                InertiaSerdes.modelSnapshotPart()).withLoggingDisabled().withCachingDisabled().build();
        WorkingModelStore working = WorkingModelStore.builder(new WorkingModelStore.MemoryBudget(budget)).build();
        for (StateStore store : List.<StateStore>of(headers, parts, coordinates, working)) {
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
        LearnerProcessor processor = new LearnerProcessor(config.learner(), SnapshotCodec.hyperParameters(config),
                config.snapshotEvery(), config.hashBits(), config.onDivergence(),
                config.maxRecordBytes(), 0, new io.inertia.serde.EventDecoder(), false, LearningObserver.NONE);
        processor.init(context);
        var serde = InertiaSerdes.labeledEvent();
        List<Forwarded> forwarded = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            context.setRecordMetadata(config.inputTopic(), 0, i);
            processor.process(new Record<>(event.key().getBytes(StandardCharsets.UTF_8),
                    serde.serialize(config.inputTopic(), event.event()), 1_000L + i));
            if ((i + 1) % EVENTS_PER_COMMIT == 0) {
                working.flushCache();
            }
            for (var capture : context.forwarded()) {
                forwarded.add(new Forwarded(capture.childName().orElse("?"), capture.record().key(),
                        capture.record().value(), capture.record().timestamp()));
            }
            context.resetForwards();
        }
        processor.close();
        for (StateStore store : List.<StateStore>of(headers, coordinates, working)) {
            store.close();
        }
        return forwarded;
    }

    /**
     * The predictions of each model carry the versions 0, 1, 2, … in order (the version before each update): a model
     * reloaded from an older state, or a fresh one in place of an evicted one, would repeat a version.
     */
    private static void assertPredictionsCountVersionsPerModel(String name, List<Event> events,
            List<Output.RawRecord> predictions) {
        Map<String, Long> next = new HashMap<>();
        var serde = InertiaSerdes.prediction();
        for (int i = 0; i < predictions.size(); i++) {
            Prediction prediction = serde.deserialize("predictions", predictions.get(i).value());
            assertEquals(events.get(i).key(), prediction.getModelKey(), name + ": prediction #" + (i + 1));
            long expected = next.merge(prediction.getModelKey(), 1L, Long::sum) - 1;
            assertEquals(expected, prediction.getModelVersion(), name + ": version in prediction #" + (i + 1));
        }
    }

    private static void assertSameRecords(String what, List<Output.RawRecord> expected,
            List<Output.RawRecord> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            Output.RawRecord e = expected.get(i);
            Output.RawRecord a = actual.get(i);
            assertArrayEquals(e.key(), a.key(), what + ": key of record #" + (i + 1));
            assertArrayEquals(e.value(), a.value(), what + ": value of record #" + (i + 1));
            assertEquals(e.headers(), a.headers(), what + ": headers of record #" + (i + 1));
            assertEquals(e.timestamp(), a.timestamp(), what + ": timestamp of record #" + (i + 1));
        }
        assertEquals(expected.size(), actual.size(), what + ": number of records");
    }

    /** Everything the topology published, per topic in order. */
    private record Output(List<RawRecord> snapshots, List<RawRecord> predictions, List<RawRecord> deadLetters) {

        /** A record as bytes; headers as key → hex of the value, in order. */
        record RawRecord(byte[] key, byte[] value, List<String> headers, long timestamp) {
        }

        static List<RawRecord> read(TestOutputTopic<byte[], byte[]> topic) {
            List<RawRecord> records = new ArrayList<>();
            for (TestRecord<byte[], byte[]> record : topic.readRecordsToList()) {
                List<String> headers = new ArrayList<>();
                for (Header header : record.headers()) {
                    headers.add(header.key() + "=" + (header.value() == null ? "null"
                            : java.util.HexFormat.of().formatHex(header.value())));
                }
                records.add(new RawRecord(record.key(), record.value(), headers, record.timestamp()));
            }
            return records;
        }
    }

    private Output run(Map<String, String> settings, String cacheMaxBytes, List<Event> events) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(settings);
        if (cacheMaxBytes != null) {
            all.put("inertia.model-cache-max-bytes", cacheMaxBytes);
        }
        InertiaConfig config = InertiaConfig.of(all);
        try (TopologyHarness harness = TopologyHarness.of(config, stateDirs)) {
            TestOutputTopic<byte[], byte[]> snapshots = raw(harness, config.snapshotTopic());
            TestOutputTopic<byte[], byte[]> predictions = raw(harness, config.predictionTopic());
            TestOutputTopic<byte[], byte[]> deadLetters = raw(harness, config.deadLetterTopic());
            for (int i = 0; i < events.size(); i++) {
                harness.send(events.get(i).key(), events.get(i).event(), 1_000L + i);
            }
            return new Output(Output.read(snapshots), Output.read(predictions), Output.read(deadLetters));
        }
    }

    private static TestOutputTopic<byte[], byte[]> raw(TopologyHarness harness, String topic) {
        return harness.driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * One event of the stream.
     *
     * @param key the model key
     * @param event the event
     */
    private record Event(String key, LabeledEvent event) {
    }

    /**
     * {@value #EVENTS} events for {@value #MODELS} models. Model k's events carry 1 to 5 of its names
     * {@code k-f0 … k-f39} (values N(0, 1)); models with k divisible by 3 also {@value #DENSE} dense features; the
     * last {@value #WIDE_MODELS} models are wide: their events carry {@value #WIDE_FEATURES} of
     * {@value #WIDE_NAMES} names (values N(0, 0.2²)), so that they outgrow {@code SnapshotLayout.INLINE_WEIGHTS} and
     * publish parts, base and deltas. Labels y = w·x + b + N(0, 0.1²) with seeded true weights. The order is skewed:
     * half the events go to 10 hot models, {@value #WIDE_SHARE_PERCENT}% to the wide ones, the rest spread over all,
     * so that cold models come back after long absences.
     */
    private static List<Event> events(long seed) {
        Random random = new Random(seed);
        Map<String, double[]> truth = new TreeMap<>();
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < MODELS; k++) {
            String key = String.format(java.util.Locale.ROOT, "model-%03d", k);
            keys.add(key);
            double[] weights = new double[names(k) + DENSE + 1];
            for (int j = 0; j < weights.length; j++) {
                weights[j] = Math.round(random.nextGaussian() * 20) / 10.0;
            }
            truth.put(key, weights);
        }
        List<Event> events = new ArrayList<>(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            int draw = random.nextInt(100);
            int k = draw < 50 ? random.nextInt(10)
                    : draw < 50 + WIDE_SHARE_PERCENT ? MODELS - 1 - random.nextInt(WIDE_MODELS)
                    : random.nextInt(MODELS);
            String key = keys.get(k);
            double[] weights = truth.get(key);
            int names = names(k);
            boolean wide = names == WIDE_NAMES;
            double label = weights[names + DENSE] + 0.1 * random.nextGaussian();
            Map<String, Double> named = new TreeMap<>();
            int carried = wide ? WIDE_FEATURES : 1 + random.nextInt(5);
            while (named.size() < carried) {
                int j = random.nextInt(names);
                double x = (wide ? 0.2 : 1.0) * random.nextGaussian();
                if (named.putIfAbsent(key + "-f" + j, x) == null) {
                    label += weights[j] * x;
                }
            }
            LabeledEvent.Builder event = LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(named)
                    .setEventId("e" + i);
            if (k % 3 == 0) {
                List<Double> dense = new ArrayList<>();
                for (int d = 0; d < DENSE; d++) {
                    double x = random.nextGaussian();
                    dense.add(x);
                    label += weights[names + d] * x;
                }
                event.setDenseFeatures(dense);
            }
            events.add(new Event(key, event.setLabel(label).setWeight(0.5 + random.nextDouble()).build()));
        }
        return events;
    }

    /** The number of names model k's events draw from. */
    private static int names(int k) {
        return k >= MODELS - WIDE_MODELS ? WIDE_NAMES : NAMES_PER_MODEL;
    }
}
