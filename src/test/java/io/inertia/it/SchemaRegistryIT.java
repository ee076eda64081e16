package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.replay.Replay;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.SnapshotReader;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.DeadLetterHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' own nested Avro click events in the Confluent Schema Registry wire format, learned through a feature spec
 * with a real Apicurio Registry (started by {@code scripts/registry-local.sh}) and a real broker: two versions of the
 * schema mixed in one topic; an unknown schema id, a body that does not decode and a JSON record dead-lettered with
 * their reasons; known ids decoded from memory while the registry is unreachable (a {@link TcpGate} in front of it
 * cut), and a new id waited for (the stream thread replaced, nothing dead-lettered) until the registry is back. Every event is learned exactly once, and the
 * live models equal a local run over the same records.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SchemaRegistryIT {

    private static final Duration PHASE = Duration.ofSeconds(120);
    private static final String TOPIC = "clicks";

    static final Schema V1 = click("");
    /** V1 and an optional device: a producer's next version. */
    static final Schema V2 = click(", {\"name\": \"device\", \"type\": [\"null\", \"string\"], \"default\": null}");
    /** V2 and an optional session, registered before the outage and first used during it. */
    static final Schema V3 = click(", {\"name\": \"device\", \"type\": [\"null\", \"string\"], \"default\": null}, "
            + "{\"name\": \"session\", \"type\": [\"null\", \"long\"], \"default\": null}");

    @TempDir
    Path work;

    private static Schema click(String moreFields) {
        return new Schema.Parser().parse("""
                {"type": "record", "name": "Click", "namespace": "shop", "fields": [
                  {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                    {"name": "id", "type": "string"}, {"name": "country", "type": "string"}]}},
                  {"name": "ad", "type": {"type": "record", "name": "Ad", "fields": [
                    {"name": "id", "type": "string"}, {"name": "campaign", "type": "string"},
                    {"name": "price", "type": "double"}]}},
                  {"name": "clicked", "type": "boolean"}%s]}""".formatted(moreFields));
    }

    @Test
    void shouldLearnFramedAvroAcrossSchemaVersionsDeadLetterBadRecordsAndWaitOutARegistryOutage() throws Exception {
        StringBuilder why = new StringBuilder();
        LocalRegistry started = LocalRegistry.start(work, why);
        Assumptions.assumeTrue(started != null, "schema registry test skipped: " + why);
        try (LocalRegistry registry = started; TcpGate gate = TcpGate.open(registry.port());
                EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
            // The learner reaches the registry through the gate, which the test cuts for the outage. (Stopping the
            // registry itself would bring it back empty, its in-memory storage gone, answering 404 for a known id.)
            String registryUrl = LocalRegistry.url(gate.port());
            int v1 = registry.register("clicks-value", V1);
            int v2 = registry.register("clicks-value", V2);
            int v3 = registry.register("clicks-value", V3);
            Path spec = Files.writeString(work.resolve("clicks.yaml"), """
                    label: {field: clicked}
                    event-id: position
                    numeric: [{field: ad.price, transform: log1p}]
                    categorical: [user.country, ad.id, device]
                    crosses: [[user.country, ad.id]]
                    """);
            InertiaConfig config = InertiaConfig.of(kafka.settings(Map.ofEntries(
                    Map.entry("inertia.topic.input", TOPIC), Map.entry("inertia.topic.partitions", "2"),
                    Map.entry("inertia.input.format", "confluent-avro"),
                    Map.entry("inertia.schema.registry.url", registryUrl),
                    Map.entry("inertia.schema.registry.max-block-ms", "1500"),
                    Map.entry("inertia.feature-spec", spec.toString()),
                    Map.entry("inertia.loss", "logistic"), Map.entry("inertia.snapshot-every", "20"),
                    // The broker's shortest session: a replaced thread's old member leaves the group sooner.
                    Map.entry("session.timeout.ms", "6000"), Map.entry("heartbeat.interval.ms", "2000"),
                    Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "registry-it"),
                    Map.entry(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state").toString()))));
            Random random = new Random(20);
            try (LearnerApplication learner = new LearnerApplication(config);
                    KafkaProducer<byte[], byte[]> producer = producer(kafka);
                    Outputs outputs = new Outputs(kafka, config)) {
                learner.start();
                EmbeddedKafka.await(PHASE, "the learner running", () -> learner.state() == KafkaStreams.State.RUNNING);

                // Two schema versions mixed in one topic, and three records that cannot be learned from.
                for (int i = 0; i < 120; i++) {
                    send(producer, random, i % 2 == 0 ? V1 : V2, i % 2 == 0 ? v1 : v2);
                }
                producer.send(new ProducerRecord<>(TOPIC, utf8("c1"), framed(9999, body(click(random, V1)))));
                producer.send(new ProducerRecord<>(TOPIC, utf8("c2"), framed(v1, new byte[] {2, 'x'})));
                producer.send(new ProducerRecord<>(TOPIC, utf8("c3"), utf8("{\"clicked\": true}")));
                producer.flush();
                outputs.await(120, 3);
                List<String> reasons = outputs.reasons();
                assertEquals(List.of(
                        "cannot deserialize topic 'clicks': not an Avro record of schema id " + v1 + ": EOFException",
                        "cannot deserialize topic 'clicks': not the Confluent Schema Registry wire format (magic byte "
                                + "0, then a 4-byte schema id): JSON text",
                        "cannot deserialize topic 'clicks': schema id 9999 is unknown to the schema registry at "
                                + registryUrl + " (404)"), reasons);

                // The registry becomes unreachable: the ids the learner has seen are decoded from memory.
                gate.cut();
                for (int i = 0; i < 30; i++) {
                    send(producer, random, i % 2 == 0 ? V1 : V2, i % 2 == 0 ? v1 : v2);
                }
                producer.flush();
                outputs.await(150, 3);

                // A new id while the registry is unreachable: an outage, waited for and never dead-lettered.
                for (int i = 0; i < 20; i++) {
                    send(producer, random, V3, v3);
                }
                producer.flush();
                EmbeddedKafka.await(PHASE, "a stream thread replaced for the outage",
                        () -> learner.registryOutages() >= 1);
                outputs.holdFor(Duration.ofSeconds(2), 150, 3);
                assertTrue(learner.state() == KafkaStreams.State.RUNNING
                        || learner.state() == KafkaStreams.State.REBALANCING, "still learning: " + learner.state());

                // Reachable again: the waiting thread gets the new id and learns its events.
                gate.reopen();
                outputs.await(170, 3);
                assertTrue(learner.state() == KafkaStreams.State.RUNNING
                        || learner.state() == KafkaStreams.State.REBALANCING, "still learning: " + learner.state());
            }

            // Exactly once, and the same models as the same records through a local learner and a topic replay.
            SortedMap<String, ModelSnapshot> live = new TreeMap<>();
            try (SnapshotReader reader = new SnapshotReader(config)) {
                live.putAll(reader.latest(null));
            }
            Map<String, List<byte[]>> reference = LocalReference.snapshotsByModel(config, 173, 3);
            assertEquals(reference.keySet(), live.keySet());
            for (String model : reference.keySet()) {
                List<byte[]> snapshots = reference.get(model);
                assertEquals(InertiaSerdes.modelSnapshot().deserialize("t", snapshots.get(snapshots.size() - 1)),
                        live.get(model), model);
            }
            Replay.Summary replay = Replay.run(new Replay.TopicRequest(TOPIC, TopicRange.Bound.unbounded(),
                    TopicRange.Bound.unbounded(), work.resolve("replay.avro"), config));
            assertEquals(173, replay.events());
            assertEquals(3, replay.rejected());
        }
    }

    /** A click of {@code schema} (device and session only where the schema has them), keyed by its campaign. */
    private static void send(KafkaProducer<byte[], byte[]> producer, Random random, Schema schema, int id)
            throws Exception {
        GenericRecord click = click(random, schema);
        String campaign = ((GenericRecord) click.get("ad")).get("campaign").toString();
        producer.send(new ProducerRecord<>(TOPIC, utf8(campaign), framed(id, body(click))));
    }

    private static GenericRecord click(Random random, Schema schema) {
        String[] countries = {"DE", "FR", "US"};
        GenericRecord user = new GenericData.Record(schema.getField("user").schema());
        user.put("id", "u" + random.nextInt(50));
        user.put("country", countries[random.nextInt(countries.length)]);
        int ad = 1 + random.nextInt(6);
        GenericRecord adRecord = new GenericData.Record(schema.getField("ad").schema());
        adRecord.put("id", "a" + ad);
        adRecord.put("campaign", "c" + (1 + (ad - 1) / 2));
        adRecord.put("price", Math.round(random.nextDouble() * 300) / 100.0);
        GenericRecord click = new GenericData.Record(schema);
        click.put("user", user);
        click.put("ad", adRecord);
        click.put("clicked", random.nextInt(4) == 0);
        if (schema.getField("device") != null) {
            click.put("device", random.nextBoolean() ? "ios" : "android");
        }
        if (schema.getField("session") != null) {
            click.put("session", (long) random.nextInt(1000));
        }
        return click;
    }

    private static byte[] body(GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The Confluent wire format, framed here: magic byte 0, the schema id (4 bytes, big-endian), the Avro body. */
    private static byte[] framed(int id, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        Properties properties = kafka.clientProperties();
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The committed predictions and dead letters, counted as they arrive. */
    private static final class Outputs implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String predictionTopic;
        private long predictions;
        private final List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();

        Outputs(EmbeddedKafka kafka, InertiaConfig config) {
            Properties properties = kafka.clientProperties();
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, "registry-it-outputs");
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(config.predictionTopic(), config.deadLetterTopic()));
            predictionTopic = config.predictionTopic();
        }

        private void poll() {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.topic().equals(predictionTopic)) {
                    predictions++;
                } else {
                    letters.add(record);
                }
            }
        }

        /** Waits until exactly {@code learned} predictions and {@code rejected} dead letters are committed. */
        void await(long learned, int rejected) throws InterruptedException {
            EmbeddedKafka.await(PHASE, () -> learned + " predictions and " + rejected + " dead letters, seen "
                    + predictions + " and " + letters.size(), () -> {
                        poll();
                        assertTrue(predictions <= learned && letters.size() <= rejected,
                                "more than expected: " + predictions + " predictions, " + letters.size()
                                        + " dead letters");
                        return predictions == learned && letters.size() == rejected;
                    });
        }

        /** Checks for {@code duration} that nothing more arrives than {@code learned} and {@code rejected}. */
        void holdFor(Duration duration, long learned, int rejected) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                poll();
                assertEquals(learned, predictions, "nothing is learned while the registry is unreachable");
                assertEquals(rejected, letters.size(), "nothing is dead-lettered for an outage");
            }
        }

        List<String> reasons() {
            return letters.stream().map(letter -> new String(letter.headers().lastHeader(DeadLetterHeaders.REASON)
                    .value(), StandardCharsets.UTF_8)).sorted().toList();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
