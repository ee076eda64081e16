package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.cli.InertiaCommand;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotLines;
import io.inertia.replay.LocalLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.SnapshotAssembler;
import io.inertia.topology.SnapshotLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia snapshots} on a real broker prints the form of a replay's JSON lines: for a model in parts, on a
 * snapshot topic that compaction has cut to the middle of a generation (the live parts of that generation and the
 * latest header, older headers and generations gone), {@code --follow} prints a first line with every weight of the
 * model and then, for each later snapshot, only the weights it published; read back, the lines give every snapshot
 * bit for bit as a reader of the topic's records assembles it. Without {@code --follow}, one line with every weight.
 * The records are those the learner publishes (its processor driven by {@link LocalLearner}), produced to the topic.
 */
@Tag("integration")
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SnapshotsCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "cut-snapshots";
    private static final String MODEL = "m";
    private static final int EVENTS = 280;
    private static final int SNAPSHOT_EVERY = 40;
    private static final Duration PHASE = Duration.ofSeconds(60);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    @Test
    void shouldFollowAModelInPartsFromTheMiddleOfAGenerationWithItsWeightsOnceAndThenWhatChanged()
            throws Exception {
        List<byte[][]> published = publishedRecords();
        // Cut after a header that appended to its generation, as compaction leaves the topic: per key the latest
        // value, tombstoned parts gone, each record at the place of that latest value.
        int cut = -1;
        for (int i = 0; i < published.size(); i++) {
            ModelSnapshot header = header(published.get(i));
            if (header != null && header.getVersion() >= 80 && header.getParts() != null
                    && header.getParts().getParts() > header.getParts().getBaseParts() && cut < 0) {
                cut = i;
            }
        }
        assertTrue(cut > 0, "a snapshot in the middle of a generation");
        long cutVersion = header(published.get(cut)).getVersion();
        List<byte[][]> compacted = compacted(published.subList(0, cut + 1));
        List<byte[][]> later = published.subList(cut + 1, published.size());

        cluster.admin().createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        produce(compacted);
        ClosableWriter output = new ClosableWriter();
        StringWriter errors = new StringWriter();
        int[] status = {-1};
        Thread follow = new Thread(() -> status[0] = InertiaCommand.execute(new PrintWriter(output, true),
                new PrintWriter(errors, true), "snapshots", "--follow", "--bootstrap-servers",
                cluster.bootstrapServers(), "-p", "inertia.topic.snapshots=" + TOPIC), "snapshots-follow");
        follow.start();
        EmbeddedKafka.await(PHASE, "the line of version " + cutVersion, () -> output.lines().size() == 1);
        produce(later);
        // The whole line: a long line in parts reaches the writer in several chunks.
        EmbeddedKafka.await(PHASE, "the line of version " + EVENTS, () -> output.lines().stream()
                .anyMatch(line -> line.contains("\"version\":" + EVENTS + ",")));
        // Closing its output ends --follow, as a pipe into head does.
        output.close();
        follow.join(PHASE.toMillis());
        assertEquals(0, status[0], "inertia snapshots --follow: " + errors);

        List<String> lines = output.lines();
        List<Long> versions = new ArrayList<>();
        for (long version = cutVersion; version <= EVENTS; version += SNAPSHOT_EVERY) {
            versions.add(version);
        }
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines) {
            nodes.add(JSON.readTree(line));
        }
        assertEquals(versions, nodes.stream().map(node -> node.get("version").asLong()).toList());
        JsonNode first = nodes.get(0).get("parts");
        assertTrue(first.get("base").asBoolean() && first.get("parts").asInt() > first.get("baseParts").asInt(),
                "the first line holds every weight, in the middle of its generation: " + first);
        for (int i = 1; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            if (!node.get("parts").get("base").asBoolean()) {
                // What changed since the line before: 12 weights per event at most.
                assertTrue(node.get("weights").size() <= 12 * SNAPSHOT_EVERY, node.get("weights").size()
                        + " weights at version " + node.get("version"));
            }
        }
        assertEquals(wholeSnapshots(published, cutVersion), fromLines(lines));

        // Without --follow: the latest snapshot, one line with every weight, which reads back as that snapshot.
        StringWriter latest = new StringWriter();
        assertEquals(0, InertiaCommand.execute(new PrintWriter(latest, true), new PrintWriter(errors, true),
                "snapshots", "--bootstrap-servers", cluster.bootstrapServers(), "-p",
                "inertia.topic.snapshots=" + TOPIC), errors.toString());
        List<String> latestLines = latest.toString().lines().toList();
        assertEquals(1, latestLines.size());
        List<String> lastWhole = wholeSnapshots(published, EVENTS);
        assertEquals(lastWhole, fromLines(latestLines));
    }

    /** The records the learner publishes for {@value #EVENTS} events: keys and values, null values tombstones. */
    private static List<byte[][]> publishedRecords() {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.hash-bits", "14", "inertia.snapshot-every",
                Integer.toString(SNAPSHOT_EVERY), "inertia.learning-rate", "0.05", "inertia.l2", "0.01",
                "inertia.topic.snapshots", TOPIC));
        List<byte[][]> records = new ArrayList<>();
        LocalLearner.Outputs outputs = new LocalLearner.Outputs() {
            @Override
            public void snapshot(byte[] key, byte[] value, long timestamp) {
                records.add(new byte[][] {key, value});
            }

            @Override
            public void prediction(byte[] key, byte[] value, long timestamp) {
            }

            @Override
            public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                throw new AssertionError("event refused");
            }
        };
        Random random = new Random(44);
        try (LocalLearner learner = new LocalLearner(config, LearningObserver.NONE, outputs)) {
            for (int i = 0; i < EVENTS; i++) {
                Map<String, Double> features = new LinkedHashMap<>();
                double label = 0;
                while (features.size() < 12) {
                    int name = random.nextInt(3000);
                    double x = Math.round(random.nextGaussian() * 1000) / 1000.0;
                    if (features.putIfAbsent("f" + name, x) == null) {
                        label += (name % 7 - 3) * x;
                    }
                }
                byte[] value = InertiaSerdes.labeledEvent().serialize("events", LabeledEvent.newBuilder()
                        .setModelKey(MODEL).setNamedFeatures(features).setLabel(label).build());
                learner.process(MODEL.getBytes(StandardCharsets.UTF_8), value, i, "events", 0, i);
            }
        }
        return records;
    }

    /** What compaction leaves of {@code records}: the latest value of each key, where it was; no tombstones. */
    private static List<byte[][]> compacted(List<byte[][]> records) {
        Map<String, Integer> latest = new TreeMap<>();
        for (int i = 0; i < records.size(); i++) {
            latest.put(new String(records.get(i)[0], StandardCharsets.UTF_8), i);
        }
        List<byte[][]> kept = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (latest.containsValue(i) && records.get(i)[1] != null) {
                kept.add(records.get(i));
            }
        }
        return kept;
    }

    private void produce(List<byte[][]> records) throws Exception {
        Properties properties = cluster.kafka().clientProperties();
        // Not idempotent: a brand-new partition can lose an idempotent producer's first batch (KAFKA-15591).
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (byte[][] record : records) {
                producer.send(new ProducerRecord<>(TOPIC, 0, record[0], record[1])).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static ModelSnapshot header(byte[][] record) {
        if (record[1] == null || SnapshotLayout.isPartKey(new String(record[0], StandardCharsets.UTF_8))) {
            return null;
        }
        return InertiaSerdes.modelSnapshot().deserialize(TOPIC, record[1]);
    }

    /** Every snapshot from version {@code from} on, as a reader of the topic's records puts it together. */
    private static List<String> wholeSnapshots(List<byte[][]> records, long from) {
        SnapshotAssembler assembler = new SnapshotAssembler();
        List<String> wholes = new ArrayList<>();
        for (byte[][] record : records) {
            assembler.accept(TOPIC, record[0], record[1]).filter(whole -> whole.getVersion() >= from)
                    .ifPresent(whole -> wholes.add(canonical(whole)));
        }
        return wholes;
    }

    /** Every snapshot the lines give back, put together the same way. */
    private List<String> fromLines(List<String> lines) throws IOException {
        Path file = Files.write(work.resolve("lines-" + System.nanoTime() + ".jsonl"), lines);
        SnapshotAssembler assembler = new SnapshotAssembler();
        List<String> wholes = new ArrayList<>();
        SnapshotLines.read(file, true, record -> {
            if (record instanceof ModelSnapshotPart part) {
                assembler.takePart(part);
            } else {
                wholes.add(canonical(assembler.acceptHeader((ModelSnapshot) record)));
            }
        });
        return wholes;
    }

    /** A whole snapshot as the hex of its Avro bytes with its maps in name order: equal bits, equal strings. */
    private static String canonical(ModelSnapshot whole) {
        ModelSnapshot sorted = ModelSnapshot.newBuilder(whole).build();
        sorted.setNamedWeights(new TreeMap<>(whole.getNamedWeights()));
        sorted.getOptimizerState().setNamedState(new TreeMap<>(whole.getOptimizerState().getNamedState()));
        return java.util.HexFormat.of().formatHex(InertiaSerdes.modelSnapshot().serialize(TOPIC, sorted));
    }

    /** Text written to it, until it is closed; then every write and flush fails, as a closed pipe does. */
    private static final class ClosableWriter extends Writer {
        private final StringBuilder text = new StringBuilder();
        private volatile boolean closed;

        @Override
        public synchronized void write(char[] buffer, int offset, int length) throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
            text.append(buffer, offset, length);
        }

        @Override
        public void flush() throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        synchronized List<String> lines() {
            String all = text.toString();
            int end = all.lastIndexOf('\n');
            return end < 0 ? List.of() : all.substring(0, end).lines().toList();
        }

        @Override
        public synchronized String toString() {
            return text.toString();
        }
    }
}
