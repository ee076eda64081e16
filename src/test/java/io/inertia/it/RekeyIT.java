package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.replay.Replay;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
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
 * what a replay of the re-keyed topic computes, the prices standardized with statistics that survive a restart from
 * the changelogs alone; a click without a campaign is dead-lettered at its input position.
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
                numeric: [{field: ad.price, transform: standardize}]
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
            RecordMetadata unkeyed;
            Map<String, List<SnapshotLog.Entry>> live;
            Set<Integer> partitionsUsed = new HashSet<>();
            Random random = new Random(5);
            SnapshotLog log = null;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                // Half the clicks, then a restart from nothing but the changelogs (the state directory deleted):
                // the price statistics each model resumes with must be the ones it stopped with, or the second half
                // would be scaled differently from a replay that never stopped.
                try (LearnerApplication learner = new LearnerApplication(config)) {
                    learner.start();
                    EmbeddedKafka.await(PHASE, "the learner running",
                            () -> learner.state() == KafkaStreams.State.RUNNING);
                    // Once the learner has created the snapshot topic.
                    SnapshotLog snapshots = new SnapshotLog(kafka.bootstrapServers(), config.snapshotTopic(), true);
                    log = snapshots;
                    produceClicks(producer, random, 0, PER_CAMPAIGN / 2, partitionsUsed);
                    EmbeddedKafka.await(PHASE, "every campaign at version " + PER_CAMPAIGN / 2,
                            () -> snapshots.catchUp().reached(CAMPAIGNS, PER_CAMPAIGN / 2));
                }
                deleteRecursively(work.resolve("state"));
                try (LearnerApplication learner = new LearnerApplication(config)) {
                    learner.start();
                    EmbeddedKafka.await(PHASE, "the learner running again",
                            () -> learner.state() == KafkaStreams.State.RUNNING);
                    produceClicks(producer, random, PER_CAMPAIGN / 2, PER_CAMPAIGN, partitionsUsed);
                    unkeyed = producer.send(new ProducerRecord<>("clicks", utf8("u1"),
                            utf8("{\"ad\": {\"id\": \"a1\"}, \"clicked\": true}"))).get();
                    SnapshotLog snapshots = log;
                    EmbeddedKafka.await(PHASE, "every campaign at version " + PER_CAMPAIGN,
                            () -> snapshots.catchUp().reached(CAMPAIGNS, PER_CAMPAIGN));
                }
                live = log.byModel();
            } finally {
                if (log != null) {
                    log.close();
                }
            }
            assertEquals(PARTITIONS, partitionsUsed.size(), "the clicks are on both partitions");
            {
                assertEquals(CAMPAIGNS, List.copyOf(live.keySet()), "one model per campaign");
                for (String campaign : CAMPAIGNS) {
                    assertEquals(List.of(50L, 100L), live.get(campaign).stream().map(SnapshotLog.Entry::version)
                            .toList(), campaign + ": every click learned once");
                    ModelSnapshot last = InertiaSerdes.modelSnapshot().deserialize(config.snapshotTopic(),
                            live.get(campaign).get(1).value());
                    assertEquals(PER_CAMPAIGN, last.getScalers().get(0).getCount(),
                            campaign + ": every price in the statistics, once");
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

    /**
     * Produces clicks {@code from}·3 … {@code to}·3 − 1 of the stream (click i is of campaign i mod 3), each keyed by
     * its user, as a click stream is, so that a campaign's clicks spread over both partitions.
     */
    private static void produceClicks(KafkaProducer<byte[], byte[]> producer, Random random, int from, int to,
            Set<Integer> partitionsUsed) throws Exception {
        String[] countries = {"DE", "FR", "IT", "ES"};
        for (int i = from * CAMPAIGNS.size(); i < to * CAMPAIGNS.size(); i++) {
            String user = "u" + random.nextInt(40);
            String click = String.format(Locale.ROOT, "{\"user\": {\"id\": \"%s\", \"country\": \"%s\"}, "
                    + "\"ad\": {\"id\": \"a%d\", \"campaign\": \"%s\", \"price\": %.2f}, \"clicked\": %s}",
                    user, countries[random.nextInt(4)], random.nextInt(8), CAMPAIGNS.get(i % 3),
                    random.nextDouble() * 3, random.nextInt(4) == 0);
            partitionsUsed.add(producer.send(new ProducerRecord<>("clicks", utf8(user), utf8(click))).get()
                    .partition());
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
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
