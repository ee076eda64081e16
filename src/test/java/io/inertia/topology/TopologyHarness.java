package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BiFunction;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * One {@link TopologyTestDriver} over a learner topology with its topics, in the manner of
 * {@code InertiaTopologyTest}'s harness, for the tests of the numeric guard, bad input and schema evolution. It counts
 * what the {@link LearningObserver} is told and tracks the input offset of every record it sends.
 */
final class TopologyHarness implements AutoCloseable {

    /** The driver's single input partition. */
    static final String PARTITION = "0";

    final InertiaConfig config;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> input;
    final TestOutputTopic<String, ModelSnapshot> snapshots;
    final TestOutputTopic<String, Prediction> predictions;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    final CountingObserver observer = new CountingObserver();
    private long nextOffset;

    private TopologyHarness(InertiaConfig config, Path stateDirs,
            BiFunction<InertiaConfig, LearningObserver, Topology> topology) throws Exception {
        this.config = config;
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "inertia-topology-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "state").toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        driver = new TopologyTestDriver(topology.apply(config, observer), properties);
        input = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        snapshots = driver.createOutputTopic(config.snapshotTopic(), new StringDeserializer(),
                InertiaSerdes.modelSnapshot());
        predictions = driver.createOutputTopic(config.predictionTopic(), new StringDeserializer(),
                InertiaSerdes.prediction());
        deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** A harness over {@link InertiaTopology#build}, its state under {@code stateDirs}. */
    static TopologyHarness of(InertiaConfig config, Path stateDirs) throws Exception {
        return new TopologyHarness(config, stateDirs, InertiaTopology::build);
    }

    /**
     * A harness over {@link InertiaTopology#build(InertiaConfig, LearningObserver, int)} whose input topic has
     * {@code inputPartitions} partitions; the driver feeds every record on partition 0.
     */
    static TopologyHarness withPartitions(InertiaConfig config, Path stateDirs, int inputPartitions)
            throws Exception {
        return new TopologyHarness(config, stateDirs,
                (settings, observer) -> InertiaTopology.build(settings, observer, inputPartitions));
    }

    /** Sends {@code event} keyed by {@code key}; returns the record's input offset. */
    long send(String key, LabeledEvent event, long timestamp) {
        return send(utf8(key), InertiaSerdes.labeledEvent().serialize(config.inputTopic(), event), timestamp);
    }

    /** Sends raw key and value bytes (either may be null); returns the record's input offset. */
    long send(byte[] key, byte[] value, long timestamp) {
        input.pipeInput(new TestRecord<>(key, value, new RecordHeaders(), timestamp));
        return nextOffset++;
    }

    /** The header store, {@value ModelStore#NAME}. */
    KeyValueStore<String, ModelSnapshot> headerStore() {
        return driver.getKeyValueStore(ModelStore.NAME);
    }

    /** The stored model of {@code key} as a full snapshot (header and every named weight), or null. */
    ModelSnapshot stored(String key) {
        return ModelStore.open(driver::getKeyValueStore, config).snapshot(key);
    }

    /** Every snapshot published since the last call. */
    List<ModelSnapshot> publishedSnapshots() {
        return snapshots.readValuesToList();
    }

    /** Every dead letter written since the last call. */
    List<TestRecord<byte[], byte[]>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    /** The value of header {@code name} of {@code record} as UTF-8 text; fails when it is missing. */
    static String header(TestRecord<?, ?> record, String name) {
        Headers headers = record.headers();
        Header header = headers.lastHeader(name);
        assertNotNull(header, "header " + name);
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Fails unless every double in {@code snapshot} is a finite number. */
    static void assertFinite(ModelSnapshot snapshot) {
        List<Double> values = new ArrayList<>();
        if (snapshot.getDenseWeights() != null) {
            values.addAll(snapshot.getDenseWeights());
            values.addAll(snapshot.getOptimizerState().getDenseState());
        }
        values.addAll(snapshot.getNamedWeights().values());
        snapshot.getOptimizerState().getNamedState().values().forEach(values::addAll);
        values.add(snapshot.getBias());
        values.addAll(snapshot.getOptimizerState().getBiasState());
        values.add(snapshot.getL1Total());
        values.add(snapshot.getRunningLoss());
        var metrics = snapshot.getMetrics();
        values.addAll(List.of(metrics.getMeanLoss(), metrics.getWindowMeanLoss(), metrics.getWindowLossSum(),
                metrics.getLossSum(), metrics.getSquaredErrorSum(), metrics.getAbsoluteErrorSum()));
        values.addAll(metrics.getRecentLosses());
        for (Double optional : new Double[] {metrics.getRmse(), metrics.getMae(), metrics.getAccuracy(),
                metrics.getLogLoss()}) {
            if (optional != null) {
                values.add(optional);
            }
        }
        for (double value : values) {
            assertTrue(Double.isFinite(value), "snapshot of '" + snapshot.getModelKey() + "' at version "
                    + snapshot.getVersion() + " holds " + value + ": " + snapshot);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }

    /** Counts what the learner reports. */
    static final class CountingObserver implements LearningObserver {
        long learned;
        final List<String> rejected = new ArrayList<>();

        @Override
        public void learned(String modelKey, long version, double loss, double runningLoss) {
            learned++;
        }

        @Override
        public void rejected(String reason) {
            rejected.add(reason);
        }
    }
}
