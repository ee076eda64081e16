package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.OptimizerState;
import io.inertia.avro.SnapshotParts;
import io.inertia.cli.InertiaCommand;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotLines;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.SnapshotReader;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.SnapshotAssembler;
import io.inertia.topology.SnapshotLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hashed open-vocabulary model with more than a million weights, learned by {@code inertia run} in a child JVM that
 * is SIGKILLed mid-stream and restarted on the same state directory: its final snapshot is complete (every touched
 * bucket, at the version of the last event), equals bit for bit the model of a run that was never interrupted, reads
 * the same through {@code inertia snapshots}, came in several parts, and no record that Inertia wrote on any of its
 * topics (snapshots and their parts, predictions, dead letters, changelogs) is larger than
 * {@code inertia.max-record-bytes}, set low here so that the limit binds.
 *
 * <p>The number of weights is not taken from Inertia: {@link LargeVocabularyEvents} hashes every name with an
 * independent MurmurHash3 and counts the buckets the stream touches. Expected: 100,000 events of 20 names drawn from
 * 10 million carry 10^7·(1 − e^(−2·10^6/10^7)) ≈ 1.813 million distinct names, which fill
 * 2^21·(1 − e^(−1.813·10^6/2^21)) ≈ 1.21 million of the 2^21 buckets.
 */
@Tag("integration")
@Timeout(value = 290, unit = TimeUnit.SECONDS)
class LargeModelIT {

    /** Replay a run with {@code -Dinertia.it.seed=N}: the events and the kill moment. */
    private static final long SEED = Long.getLong("inertia.it.seed", 20_261_201L);
    private static final String MODEL = "open-vocabulary";
    private static final int EVENTS = 100_000;
    private static final int FEATURES_PER_EVENT = 20;
    private static final int VOCABULARY = 10_000_000;
    private static final int HASH_BITS = 21;
    private static final int SNAPSHOT_EVERY = 20_000;
    private static final int MIN_WEIGHTS = 1_000_000;
    /** Far below Kafka's 1 MB default and below a tenth of the final snapshot's parts' total, so the limit binds. */
    private static final int MAX_RECORD_BYTES = 200_000;
    private static final String CHILD_HEAP = "768m";
    /** How far the input may run ahead of what the crashed learner committed. */
    private static final int WINDOW = 5_000;
    private static final Duration PHASE = Duration.ofSeconds(150);
    private static final String INPUT = "large-events";
    private static final String CRASHED = "large-crashed";
    private static final String REFERENCE = "large-reference";

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    @Test
    void shouldPublishAMillionWeightModelInPartsWithinTheRecordLimitThroughAKill() throws Exception {
        LargeVocabularyEvents.Generated generated = LargeVocabularyEvents.generate(SEED, MODEL, EVENTS,
                FEATURES_PER_EVENT, VOCABULARY, HASH_BITS, System.currentTimeMillis(), INPUT);
        BitSet touched = generated.touchedBuckets();
        cluster.log("%d events touch %d of %d buckets", EVENTS, touched.cardinality(), 1 << HASH_BITS);
        assertTrue(touched.cardinality() > MIN_WEIGHTS, "the stream touches only " + touched.cardinality()
                + " buckets; the test needs more than " + MIN_WEIGHTS);

        InertiaConfig crashed = config(CRASHED);
        InertiaConfig reference = config(REFERENCE);
        KafkaSetup.ensureTopics(crashed);
        long killAt = SNAPSHOT_EVERY + Math.round((EVENTS / 2.0 - SNAPSHOT_EVERY) * new Random(SEED).nextDouble())
                + WINDOW / 2;
        cluster.log("seed %d: SIGKILL once at least %d events are committed", SEED, killAt);

        // The reference, an in-process learner with its own application id that is never interrupted, learns the
        // same input alongside, as the feeder sends it.
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, generated.events(), WINDOW);
                LearnerApplication uninterrupted = new LearnerApplication(reference)) {
            uninterrupted.start();
            ChildLearner first = startLearner();
            first.await(PHASE, "at least " + killAt + " committed events", () -> feeder.topUp(CRASHED) >= killAt);
            assertEquals(ChildLearner.KILLED, first.kill(), first + " ends by SIGKILL (exit 128 + 9)");
            long committedAtKill = feeder.committed(CRASHED);
            cluster.log("SIGKILLed %s with %d events committed, %d sent", first, committedAtKill, feeder.sent());
            assertTrue(committedAtKill < EVENTS, "killed mid-stream, not after the last event");

            ChildLearner second = startLearner();
            second.await(PHASE, "every event committed", () -> feeder.topUp(CRASHED) == EVENTS);
            assertEquals(0, second.stop(), second + " closes cleanly on SIGTERM\n" + second.logTail());
            cluster.log("the restarted learner committed every event and stopped");

            EmbeddedKafka.await(PHASE, () -> "the uninterrupted run through every event; committed "
                    + feeder.committed(REFERENCE), () -> feeder.committed(REFERENCE) == EVENTS);
            cluster.log("the uninterrupted run committed every event");
        }

        ModelSnapshot expected = latestAt(reference, EVENTS);
        ModelSnapshot actual = latestAt(crashed, EVENTS);
        cluster.log("final snapshots read: %d named weights", actual.getNamedWeights().size());

        // Complete: one snapshot of the one model, at the version of the last event, with a weight (and its state)
        // for exactly the buckets the events touched, each named #<bucket>.
        Set<String> buckets = touched.stream().mapToObj(bucket -> "#" + bucket)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(MODEL, actual.getModelKey());
        assertEquals(EVENTS, actual.getVersion(), "version of the final snapshot = number of events");
        assertTrue(actual.getNamedWeights().size() > MIN_WEIGHTS, "named weights: " + actual.getNamedWeights().size());
        assertEquals(buckets.size(), actual.getNamedWeights().size(), "one named weight per touched bucket");
        assertEquals(buckets, new TreeSet<>(actual.getNamedWeights().keySet()), "names of the weights");
        assertEquals(buckets, new TreeSet<>(actual.getOptimizerState().getNamedState().keySet()),
                "names of the optimizer state");
        assertEquals(EVENTS, actual.getMetrics().getCount(), "events scored");

        // Bit for bit the model of the run that was never interrupted.
        assertSameModel("crashed run vs uninterrupted run", expected, actual);

        // The same snapshot through `inertia snapshots --model-key`.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status;
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            status = InertiaCommand.execute(outWriter, errWriter, "snapshots", "--bootstrap-servers",
                    cluster.bootstrapServers(), "--model-key", MODEL, "-p",
                    "inertia.topic.snapshots=" + crashed.snapshotTopic());
        }
        assertEquals(0, status, "inertia snapshots: " + err);
        cluster.log("inertia snapshots printed %d characters", out.getBuffer().length());
        List<String> lines = out.toString().lines().toList();
        assertEquals(1, lines.size(), "inertia snapshots prints one line for one model");
        // The line holds every weight as of its last update, with its step: brought up to date as a reader of the
        // line does, the uninterrupted run's final model, bit for bit.
        Path printed = java.nio.file.Files.writeString(work.resolve("printed.jsonl"), out.toString());
        SnapshotAssembler fromLine = new SnapshotAssembler();
        SnapshotLines.read(printed, true, record -> {
            if (record instanceof ModelSnapshotPart part) {
                fromLine.takePart(part);
            } else {
                fromLine.takeHeader((ModelSnapshot) record);
            }
        });
        assertSameModel("inertia snapshots vs uninterrupted run", expected, fromLine.latest().get(MODEL));

        // Exactly once: the committed predictions of the crashed run are those of the uninterrupted run, byte for
        // byte and in order, one per event; no event was refused.
        List<byte[]> crashedPredictions = committedPredictions(crashed);
        List<byte[]> referencePredictions = committedPredictions(reference);
        assertEquals(EVENTS, referencePredictions.size(), "predictions of the uninterrupted run");
        assertEquals(EVENTS, crashedPredictions.size(), "committed predictions of the crashed run");
        for (int i = 0; i < EVENTS; i++) {
            assertArrayEquals(referencePredictions.get(i), crashedPredictions.get(i), "prediction #" + (i + 1));
        }
        cluster.log("%d predictions of each run compared", EVENTS);
        assertEquals(0, committedValues(crashed.deadLetterTopic()).size(), "dead letters of the crashed run");
        assertEquals(0, committedValues(reference.deadLetterTopic()).size(), "dead letters of the uninterrupted run");

        // The final snapshot could not have been one record: it came as a header and parts, the same records as
        // the uninterrupted run's.
        int whole = InertiaSerdes.modelSnapshot().serialize(crashed.snapshotTopic(), actual).length;
        assertTrue(whole > 10 * MAX_RECORD_BYTES, "the full model as one record takes " + whole + " bytes");
        assertSnapshotInParts(crashed);
        assertSameSnapshotRecords(reference, crashed);

        // No record on any of Inertia's topics of either run is larger than the limit.
        assertNoRecordOverTheLimit();
        cluster.log("done");
    }

    /**
     * The final snapshot came in parts. On the topic a snapshot's records come in the order parts → header →
     * tombstones of the previous generation's parts; so the parts the final snapshot published are the part records
     * between the header before it and its own header. They must be exactly the parts its header adds to what the
     * header before it named (all of a new generation, or those after the previous snapshot's in the same generation),
     * at least one (so the final snapshot is more than one record), and the header must name more than one part, each
     * on the topic when the header came. Only headers are decoded: the parts' keys say which they are.
     */
    private void assertSnapshotInParts(InertiaConfig config) {
        var snapshotSerde = InertiaSerdes.modelSnapshot();
        List<ModelSnapshot> headers = new ArrayList<>();
        java.util.Set<String> live = new java.util.HashSet<>();
        java.util.Set<String> liveAtLastHeader = new java.util.HashSet<>();
        List<String> sinceHeader = new ArrayList<>();
        List<String> publishedByLast = new ArrayList<>();
        readCommitted(config.snapshotTopic(), record -> {
            String key = new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
            if (key.equals(MODEL)) {
                headers.add(snapshotSerde.deserialize(record.topic(), record.value()));
                publishedByLast.clear();
                publishedByLast.addAll(sinceHeader);
                sinceHeader.clear();
                liveAtLastHeader.clear();
                liveAtLastHeader.addAll(live);
            } else {
                assertTrue(key.startsWith(MODEL + '\u0000'), "snapshot record keyed '" + key.replace('\u0000', '␀')
                        + "' at " + record.partition() + "@" + record.offset());
                if (record.value() == null) {
                    live.remove(key);
                } else {
                    live.add(key);
                    sinceHeader.add(key);
                }
            }
        });
        assertTrue(headers.size() >= 2, "headers of " + MODEL + ": " + headers.size());
        ModelSnapshot last = headers.get(headers.size() - 1);
        ModelSnapshot before = headers.get(headers.size() - 2);
        assertEquals(EVENTS, last.getVersion(), "version of the last header");
        assertEquals(EVENTS - SNAPSHOT_EVERY, before.getVersion(), "version of the header before it");
        SnapshotParts parts = last.getParts();
        assertTrue(parts != null && before.getParts() != null, "the last two snapshots' headers name parts");
        assertEquals(List.of(), sinceHeader, "no part after the last header");
        cluster.log("final snapshot: generation %d, %d parts (%d base), %d of them published with it",
                parts.getGeneration(), parts.getParts(), parts.getBaseParts(), publishedByLast.size());
        assertTrue(parts.getParts() > 1, "the final snapshot has " + parts.getParts() + " part(s)");
        int first = parts.getGeneration() == before.getParts().getGeneration() ? before.getParts().getParts() : 0;
        List<String> expected = new ArrayList<>();
        for (int index = first; index < parts.getParts(); index++) {
            expected.add(SnapshotLayout.partKey(MODEL, parts.getGeneration(), index));
        }
        assertFalse(expected.isEmpty(), "the final snapshot published no part of its own");
        assertEquals(expected, publishedByLast, "the parts published with the final snapshot, in order");
        for (int index = 0; index < parts.getParts(); index++) {
            assertTrue(liveAtLastHeader.contains(SnapshotLayout.partKey(MODEL, parts.getGeneration(), index)),
                    "part " + parts.getGeneration() + "/" + index + " of the final snapshot is on the topic");
        }
    }

    /**
     * The committed records of the snapshot topics of both runs are the same, in the same order: keys, values (parts
     * and tombstones included), one SHA-256 per record so that hundreds of megabytes need not be held.
     */
    private void assertSameSnapshotRecords(InertiaConfig expected, InertiaConfig actual) {
        List<String> expectedDigests = digests(expected.snapshotTopic());
        List<String> actualDigests = digests(actual.snapshotTopic());
        cluster.log("snapshot topics: %d and %d committed records", expectedDigests.size(), actualDigests.size());
        for (int i = 0; i < Math.min(expectedDigests.size(), actualDigests.size()); i++) {
            assertEquals(expectedDigests.get(i), actualDigests.get(i), "snapshot record #" + (i + 1)
                    + " of the crashed run differs from the uninterrupted run's");
        }
        assertEquals(expectedDigests.size(), actualDigests.size(), "committed snapshot records");
    }

    private List<String> digests(String topic) {
        List<String> digests = new ArrayList<>();
        readCommitted(topic, record -> {
            try {
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                sha.update(record.key());
                sha.update((byte) 0);
                if (record.value() != null) {
                    sha.update((byte) 1);
                    sha.update(record.value());
                }
                digests.add(java.util.HexFormat.of().formatHex(sha.digest()));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
        return digests;
    }

    /** Every topic of either run (all are named after its application id, changelogs included) within the limit. */
    private void assertNoRecordOverTheLimit() throws Exception {
        Set<String> topics = cluster.admin().listTopics().names().get(30, TimeUnit.SECONDS).stream()
                .filter(topic -> topic.startsWith(CRASHED) || topic.startsWith(REFERENCE))
                .collect(Collectors.toCollection(TreeSet::new));
        for (String application : List.of(CRASHED, REFERENCE)) {
            InertiaConfig config = config(application);
            for (String topic : List.of(config.snapshotTopic(), config.predictionTopic(), config.deadLetterTopic(),
                    application + "-inertia-models-changelog", application + "-inertia-model-parts-changelog")) {
                assertTrue(topics.contains(topic), topic + " is among the topics scanned: " + topics);
            }
        }
        SortedMap<String, RecordSizeScan.TopicSizes> sizes = RecordSizeScan.scan(cluster.bootstrapServers(), topics,
                MAX_RECORD_BYTES);
        sizes.forEach((topic, measured) -> cluster.log("%s: %d records, largest %d bytes at %s", topic,
                measured.records(), measured.largest(), measured.largestAt()));
        for (String application : List.of(CRASHED, REFERENCE)) {
            for (String changelog : List.of(application + "-inertia-models-changelog",
                    application + "-inertia-model-parts-changelog")) {
                assertTrue(sizes.get(changelog).records() > 0, changelog + " holds records");
            }
        }
        List<String> over = sizes.entrySet().stream().filter(entry -> entry.getValue().overLimit() > 0)
                .map(entry -> entry.getKey() + ": " + entry.getValue().overLimit() + " records over the limit, the "
                        + "first at " + entry.getValue().firstOverLimit())
                .toList();
        assertTrue(over.isEmpty(), "records over inertia.max-record-bytes = " + MAX_RECORD_BYTES + ": " + over);
    }

    /** The latest snapshot of {@link #MODEL} once it is at {@code version} (its transaction's markers are written). */
    private static ModelSnapshot latestAt(InertiaConfig config, long version) throws InterruptedException {
        ModelSnapshot[] latest = new ModelSnapshot[1];
        EmbeddedKafka.await(PHASE, () -> config.snapshotTopic() + " holding version " + version + " of " + MODEL
                + "; latest " + (latest[0] == null ? "none" : latest[0].getVersion()), () -> {
                    try (SnapshotReader reader = new SnapshotReader(config)) {
                        SortedMap<String, ModelSnapshot> all = reader.latest(MODEL);
                        assertEquals(Set.of(MODEL), all.keySet(), "models on " + config.snapshotTopic());
                        latest[0] = all.get(MODEL);
                        return latest[0].getVersion() >= version;
                    }
                });
        return latest[0];
    }

    /**
     * Fails unless {@code actual} equals {@code expected} bit for bit: the same fields, every double with the same
     * bits. Compared as the Avro bytes of both with their maps in name order (Avro writes a double as its 8 IEEE
     * bytes), naming the first difference when there is one.
     */
    static void assertSameModel(String what, ModelSnapshot expected, ModelSnapshot actual) {
        var serde = InertiaSerdes.modelSnapshot();
        if (java.util.Arrays.equals(serde.serialize("t", canonical(expected)), serde.serialize("t", canonical(actual)))) {
            return;
        }
        assertEquals(expected.getModelKey(), actual.getModelKey(), what + ": model key");
        assertEquals(expected.getVersion(), actual.getVersion(), what + ": version");
        assertEquals(new TreeSet<>(expected.getNamedWeights().keySet()),
                new TreeSet<>(actual.getNamedWeights().keySet()), what + ": names of the weights");
        for (String name : new TreeSet<>(expected.getNamedWeights().keySet())) {
            assertEquals(bits(expected.getNamedWeights().get(name)), bits(actual.getNamedWeights().get(name)),
                    what + ": weight " + name + " " + expected.getNamedWeights().get(name) + " vs "
                            + actual.getNamedWeights().get(name));
            assertEquals(expected.getOptimizerState().getNamedState().get(name).stream().map(LargeModelIT::bits)
                            .toList(),
                    actual.getOptimizerState().getNamedState().get(name).stream().map(LargeModelIT::bits).toList(),
                    what + ": optimizer state of " + name);
        }
        assertEquals(bits(expected.getBias()), bits(actual.getBias()), what + ": bias");
        assertEquals(expected.getOptimizerState().getBiasState(), actual.getOptimizerState().getBiasState(),
                what + ": bias state");
        assertEquals(expected.getMetrics(), actual.getMetrics(), what + ": metrics");
        assertEquals(bits(expected.getRunningLoss()), bits(actual.getRunningLoss()), what + ": running loss");
        assertEquals(expected.getLastEventTimestamp(), actual.getLastEventTimestamp(), what + ": last timestamp");
        throw new AssertionError(what + ": the snapshots differ (in a field other than those compared one by one): "
                + "dense " + expected.getDenseWeights() + " vs " + actual.getDenseWeights() + ", l1 "
                + expected.getL1Total() + " vs " + actual.getL1Total() + ", halted " + expected.getHalted() + " vs "
                + actual.getHalted() + ", hyper-parameters " + expected.getHyperParameters() + " vs "
                + actual.getHyperParameters());
    }

    private static ModelSnapshot canonical(ModelSnapshot snapshot) {
        OptimizerState state = snapshot.getOptimizerState();
        return ModelSnapshot.newBuilder(snapshot).setNamedWeights(new TreeMap<>(snapshot.getNamedWeights()))
                .setOptimizerState(OptimizerState.newBuilder(state).setNamedState(new TreeMap<>(state.getNamedState()))
                        .build())
                .build();
    }

    private static Long bits(Double value) {
        return value == null ? null : Double.doubleToRawLongBits(value);
    }

    /**
     * The committed predictions of a run once there are at least {@link #EVENTS}: the markers of its last transaction
     * reach each partition on their own, so the prediction partition may lag the snapshot partition for a moment.
     */
    private List<byte[]> committedPredictions(InertiaConfig config) throws InterruptedException {
        List<List<byte[]>> read = new ArrayList<>(List.of(List.of()));
        EmbeddedKafka.await(PHASE, () -> EVENTS + " committed predictions on " + config.predictionTopic() + "; "
                + read.get(0).size() + " so far", () -> {
                    read.set(0, committedValues(config.predictionTopic()));
                    return read.get(0).size() >= EVENTS;
                });
        return read.get(0);
    }

    private List<byte[]> committedValues(String topic) {
        List<byte[]> values = new ArrayList<>();
        readCommitted(topic, record -> values.add(record.value()));
        return values;
    }

    /** Every committed record of {@code topic}, partition by partition in offset order, up to its last stable offset. */
    private void readCommitted(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Properties properties = cluster.kafka().clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            for (var info : consumer.partitionsFor(topic, PHASE)) {
                TopicPartition partition = new TopicPartition(topic, info.partition());
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long end = consumer.endOffsets(List.of(partition), PHASE).get(partition);
                long deadline = System.nanoTime() + PHASE.toNanos();
                while (consumer.position(partition) < end) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("could not read " + partition + " up to " + end);
                    }
                    consumer.poll(Duration.ofMillis(200)).forEach(sink);
                }
            }
        }
    }

    private ChildLearner startLearner() throws Exception {
        List<String> arguments = List.of("--application-id", CRASHED, "--state-dir", work.resolve(CRASHED).toString(),
                "--hash-bits", Integer.toString(HASH_BITS), "--snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        Map<String, String> properties = new LinkedHashMap<>(topicSettings(CRASHED));
        properties.put("inertia.max-record-bytes", Integer.toString(MAX_RECORD_BYTES));
        // A SIGKILLed member stays in the group until its session times out; the broker's minimum keeps restarts short.
        properties.put("session.timeout.ms", "6000");
        properties.put("heartbeat.interval.ms", "1000");
        properties.put("inertia.progress-interval-ms", "2000");
        ChildLearner learner = cluster.startIncarnation(work, arguments, properties, CHILD_HEAP);
        cluster.log("started %s", learner);
        return learner;
    }

    /** The topics of one run, all named after its application id, and the shared input. */
    private static Map<String, String> topicSettings(String applicationId) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.snapshots", applicationId + "-snapshots");
        settings.put("inertia.topic.predictions", applicationId + "-predictions");
        settings.put("inertia.topic.dead-letters", applicationId + "-dead-letters");
        return settings;
    }

    /** The configuration of a run: the same learning settings as the child learner's command line. */
    private InertiaConfig config(String applicationId) {
        Map<String, String> settings = KafkaFixture.application(applicationId, work);
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.hash-bits", Integer.toString(HASH_BITS));
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put("inertia.max-record-bytes", Integer.toString(MAX_RECORD_BYTES));
        return cluster.config(settings);
    }
}
