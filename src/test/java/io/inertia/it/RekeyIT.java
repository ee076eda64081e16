package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.config.InertiaConfig;
import io.inertia.replay.Replay;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.TopicRange;
import io.inertia.topology.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' click records keyed by user on two partitions, learned by {@code run} through a spec whose model key is the
 * field {@code ad.campaign}, on the in-process broker: the records are re-keyed by campaign through the re-keyed
 * topic, so each campaign's model learns every one of its clicks exactly once, and its last snapshot is byte for byte
 * what a replay of the re-keyed topic computes; a click without a campaign is dead-lettered at its input position.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RekeyIT {

    private static final int PARTITIONS = 2;
    private static final List<String> CAMPAIGNS = List.of("c0", "c1", "c2");
    private static final int PER_CAMPAIGN = 100;
    private static final Duration PHASE = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void shouldLearnEachCampaignOnceFromRecordsKeyedByUserAsAReplayOfTheReKeyedTopic() throws Exception {
        Path spec = Files.writeString(work.resolve("clicks.yaml"), """
                model-key: {field: ad.campaign}
                label: clicked
                event-id: position
                numeric: [{field: ad.price, transform: log1p}]
                categorical: [user.country, ad.id]
                crosses: [[user.country, ad.id]]
                """);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
            InertiaConfig config = InertiaConfig.of(kafka.settings(Map.of(
                    "inertia.input.format", "json", "inertia.feature-spec", spec.toString(),
                    "inertia.topic.input", "clicks", "inertia.loss", "logistic", "inertia.hash-bits", "12",
                    "inertia.topic.partitions", Integer.toString(PARTITIONS), "inertia.snapshot-every", "50",
                    StreamsConfig.APPLICATION_ID_CONFIG, "rekey-it",
                    StreamsConfig.STATE_DIR_CONFIG, work.resolve("state").toString())));
            try (LearnerApplication learner = new LearnerApplication(config)) {
                learner.start();
                EmbeddedKafka.await(PHASE, "the learner running", () -> learner.state() == KafkaStreams.State.RUNNING);
                RecordMetadata unkeyed;
                Map<String, List<SnapshotLog.Entry>> live;
                Set<Integer> partitionsUsed = new HashSet<>();
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    Random random = new Random(5);
                    String[] countries = {"DE", "FR", "IT", "ES"};
                    for (int i = 0; i < PER_CAMPAIGN * CAMPAIGNS.size(); i++) {
                        // Keyed by user, as a click stream is: a campaign's clicks spread over both partitions.
                        String user = "u" + random.nextInt(40);
                        String click = String.format(Locale.ROOT, "{\"user\": {\"id\": \"%s\", \"country\": \"%s\"}, "
                                + "\"ad\": {\"id\": \"a%d\", \"campaign\": \"%s\", \"price\": %.2f}, \"clicked\": %s}",
                                user, countries[random.nextInt(4)], random.nextInt(8), CAMPAIGNS.get(i % 3),
                                random.nextDouble() * 3, random.nextInt(4) == 0);
                        partitionsUsed.add(producer.send(new ProducerRecord<>("clicks", utf8(user), utf8(click)))
                                .get().partition());
                    }
                    unkeyed = producer.send(new ProducerRecord<>("clicks", utf8("u1"),
                            utf8("{\"ad\": {\"id\": \"a1\"}, \"clicked\": true}"))).get();
                }
                assertEquals(PARTITIONS, partitionsUsed.size(), "the clicks are on both partitions");

                try (SnapshotLog log = new SnapshotLog(kafka.bootstrapServers(), config.snapshotTopic(), true)) {
                    EmbeddedKafka.await(PHASE, "every campaign at version " + PER_CAMPAIGN,
                            () -> log.catchUp().reached(CAMPAIGNS, PER_CAMPAIGN));
                    live = log.byModel();
                }
                assertEquals(CAMPAIGNS, List.copyOf(live.keySet()), "one model per campaign");
                for (String campaign : CAMPAIGNS) {
                    assertEquals(List.of(50L, 100L), live.get(campaign).stream().map(SnapshotLog.Entry::version)
                            .toList(), campaign + ": every click learned once");
                }
                List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka, config.deadLetterTopic())) {
                    EmbeddedKafka.await(PHASE, "the dead letter", () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
                        return !letters.isEmpty();
                    });
                    consumer.poll(Duration.ofSeconds(1)).forEach(letters::add);
                }
                assertEquals(1, letters.size());
                assertEquals("model key field 'ad.campaign' is missing", header(letters.get(0), DeadLetterHeaders.REASON));
                assertEquals("clicks", header(letters.get(0), DeadLetterHeaders.TOPIC));
                assertEquals(Integer.toString(unkeyed.partition()), header(letters.get(0), DeadLetterHeaders.PARTITION));
                assertEquals(Long.toString(unkeyed.offset()), header(letters.get(0), DeadLetterHeaders.OFFSET));

                // The reference: the re-keyed topic, every record at its own partition and offset, through a local
                // learner; and the same through inertia replay --topic.
                InertiaConfig rekeyed = config.with(Map.of("inertia.topic.input", config.rekeyedTopic()));
                Map<String, List<byte[]>> reference = LocalReference.snapshotsByModel(rekeyed,
                        PER_CAMPAIGN * CAMPAIGNS.size());
                for (String campaign : CAMPAIGNS) {
                    SnapshotLog.assertSameBytes(campaign + ": live, re-keyed, vs a local learner over the re-keyed "
                            + "topic", reference.get(campaign), SnapshotLog.values(live.get(campaign)));
                }
                Replay.Summary replayed = Replay.run(new Replay.TopicRequest(config.rekeyedTopic(),
                        TopicRange.Bound.unbounded(), TopicRange.Bound.unbounded(), work.resolve("replay.avro"),
                        config));
                assertEquals(PER_CAMPAIGN * CAMPAIGNS.size(), replayed.events());
                assertEquals(CAMPAIGNS.size(), replayed.models());
                assertEquals(0, replayed.rejected());
            }
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka, String topic) {
        Properties properties = kafka.clientProperties();
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "rekey-it-dead-letters");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
