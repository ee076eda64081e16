package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.SnapshotReader;
import io.inertia.serde.JsonRecordSerde;
import io.inertia.topology.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON events produced with {@code kcat -P}, as the README shows, learned by {@code run} with
 * {@code inertia.input.format=json} and published as JSON ({@code inertia.output.format=json}) on the in-process
 * broker: the models equal an uninterrupted local run over the same records; a malformed event and one that kcat's
 * default partitioner put on another partition than its key's are dead-lettered with their reasons.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JsonEventsIT {

    private static final int PARTITIONS = 4;
    private static final int PER_MODEL = 200;
    private static final Duration PHASE = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void shouldLearnFromJsonEventsProducedWithKcatAndDeadLetterTheMalformedAndTheMisplaced() throws Exception {
        Process ensure = new ProcessBuilder("scripts/ensure-kcat.sh").start();
        String kcat = new String(ensure.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String why = new String(ensure.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Assumptions.assumeTrue(ensure.waitFor() == 0 && !kcat.isEmpty(), "kcat test skipped: " + why);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
            InertiaConfig config = InertiaConfig.of(kafka.settings(Map.of(
                    "inertia.input.format", "json", "inertia.output.format", "json",
                    "inertia.topic.partitions", Integer.toString(PARTITIONS), "inertia.snapshot-every", "50",
                    StreamsConfig.APPLICATION_ID_CONFIG, "json-events",
                    StreamsConfig.STATE_DIR_CONFIG, work.resolve("state").toString())));
            List<String> models = List.of("m0", "m1", "m2", "m3");
            String misplaced = keyKcatMisplaces();
            try (LearnerApplication learner = new LearnerApplication(config)) {
                learner.start();
                EmbeddedKafka.await(PHASE, "the learner running", () -> learner.state() == KafkaStreams.State.RUNNING);
                StringBuilder lines = new StringBuilder();
                Random random = new Random(17);
                for (int i = 0; i < PER_MODEL * models.size(); i++) {
                    String key = models.get(i % models.size());
                    double x = Math.round(random.nextGaussian() * 1000) / 1000.0;
                    lines.append(key).append('\t').append(String.format(Locale.ROOT,
                            "{\"key\": \"%s\", \"features\": {\"x\": %s, \"k\": 1}, \"label\": %s, \"id\": \"e%d\"}",
                            key, x, Math.round((2 * x + 0.5) * 1000) / 1000.0, i)).append('\n');
                }
                lines.append("m1\t{\"features\": {\"x\": 1.0}, \"label\": \n");
                kcat(kcat, kafka.bootstrapServers(), lines.toString(), true);
                // kcat's default partitioner hashes the key with CRC32: this key lands on another partition.
                kcat(kcat, kafka.bootstrapServers(), misplaced + "\t{\"features\": {\"x\": 1.0}, \"label\": 1.0}\n",
                        false);

                List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka, config.deadLetterTopic())) {
                    EmbeddedKafka.await(PHASE, "two dead letters", () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
                        return letters.size() >= 2;
                    });
                }
                List<String> reasons = letters.stream().map(letter -> new String(letter.headers()
                        .lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8)).sorted().toList();
                assertTrue(reasons.get(0).startsWith("cannot deserialize topic 'labeled-events': not a JSON event"),
                        reasons.toString());
                assertTrue(reasons.get(1).startsWith("record arrived on partition"), reasons.toString());
                assertTrue(reasons.get(1).contains("murmur2"), reasons.toString());

                SortedMap<String, ModelSnapshot> live = new TreeMap<>();
                EmbeddedKafka.await(PHASE, "every model at version " + PER_MODEL, () -> {
                    try (SnapshotReader reader = new SnapshotReader(config)) {
                        live.clear();
                        live.putAll(reader.latest(null));
                    }
                    return live.size() == models.size()
                            && live.values().stream().allMatch(model -> model.getVersion() == PER_MODEL);
                });
                // The reference: the same input records through a local learner, its JSON snapshots decoded.
                Map<String, List<byte[]>> reference = LocalReference.snapshotsByModel(config,
                        PER_MODEL * models.size() + 2, 2);
                JsonRecordSerde<ModelSnapshot> serde = new JsonRecordSerde<>(ModelSnapshot.getClassSchema());
                for (String model : models) {
                    List<byte[]> records = reference.get(model);
                    ModelSnapshot expected = serde.deserialize("t", records.get(records.size() - 1));
                    assertEquals(expected, live.get(model), model);
                }
            }
        }
    }

    /** Sends {@code lines} (key TAB value) with kcat, with murmur2 as the README says, or kcat's default. */
    private void kcat(String kcat, String bootstrap, String lines, boolean murmur2) throws Exception {
        Path input = Files.writeString(Files.createTempFile(work, "events", ".txt"), lines);
        List<String> command = new ArrayList<>(List.of(kcat, "-P", "-b", bootstrap, "-t", "labeled-events", "-K",
                "\t", "-l", input.toString()));
        if (murmur2) {
            command.addAll(List.of("-X", "partitioner=murmur2_random"));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kcat did not finish");
        assertEquals(0, process.exitValue(), "kcat failed: " + output);
    }

    /** A key that kcat's default partitioner (CRC32 of the key) puts on another partition than murmur2 does. */
    private static String keyKcatMisplaces() {
        for (int i = 0; ; i++) {
            String key = "misplaced-" + i;
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(bytes);
            if (crc.getValue() % PARTITIONS != BuiltInPartitioner.partitionForKey(bytes, PARTITIONS)) {
                return key;
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka, String topic) {
        Properties properties = kafka.clientProperties();
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "json-events-it");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
