package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.join.OutcomeJoiner;
import io.inertia.runtime.KafkaSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outcome topics on a real in-process KRaft broker: created with the input's partition count, an existing one
 * with another count refused with one line before anything is created, and the heartbeats written to every
 * partition.
 */
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OutcomeTopicsIT {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startCluster() throws Exception {
        kafka = EmbeddedKafka.start(1);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        kafka.close();
    }

    /** A config whose topics are all named after {@code prefix}, so that the tests share the cluster. */
    private static InertiaConfig config(String prefix, Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(more);
        settings.put("inertia.topic.input", prefix + "-events");
        settings.put("inertia.topic.snapshots", prefix + "-snapshots");
        settings.put("inertia.topic.dead-letters", prefix + "-dead-letters");
        settings.put("inertia.topic.predictions", prefix + "-predictions");
        settings.put("inertia.topic.outcomes", prefix + "-outcomes");
        settings.put("inertia.topic.learn-log", prefix + "-learn-log");
        settings.put("inertia.startup-timeout-ms", "20000");
        return InertiaConfig.of(kafka.settings(settings));
    }

    /** Creates {@code topic}, and waits until it is listed: a topic that existed before Inertia started. */
    private static void create(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            EmbeddedKafka.await(Duration.ofSeconds(30), topic + " listed", () -> {
                try {
                    return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic);
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static int partitions(String topic) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
        }
    }

    @Test
    void shouldCreateTheOutcomeAndLearnLogTopicsWithTheInputsPartitionCount() throws Exception {
        create("a-events", 3);
        InertiaConfig config = config("a", Map.of("inertia.topic.partitions", "2"));

        assertEquals(3, KafkaSetup.ensureTopics(config, true));

        assertEquals(3, partitions("a-outcomes"), "the input's count, not inertia.topic.partitions");
        assertEquals(3, partitions("a-learn-log"));
        assertEquals(2, partitions("a-predictions"), "the other topics as before");
        assertEquals(3, KafkaSetup.ensureTopics(config, true), "and accepted as they are on the next start");
    }

    @Test
    void shouldLeaveTheJoinsTopicsAloneForALearnerWithoutJoin() throws Exception {
        create("e-events", 2);
        create("e-outcomes", 5);
        assertEquals(2, KafkaSetup.ensureTopics(config("e", Map.of())), "not the joiner's business");
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            assertTrue(!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("e-learn-log"));
        }
    }

    @Test
    void shouldCreateEveryTopicWithTheConfiguredCountWhenTheInputIsMissingToo() throws Exception {
        assertEquals(4, KafkaSetup.ensureTopics(config("b", Map.of("inertia.topic.partitions", "4")), true));
        assertEquals(4, partitions("b-outcomes"));
        assertEquals(4, partitions("b-learn-log"));
    }

    @Test
    void shouldRefuseWithOneLineWhenTheOutcomeTopicHasAnotherPartitionCount() throws Exception {
        create("c-events", 4);
        create("c-outcomes", 2);

        KafkaSetup.TopicLayoutException refused = assertThrows(KafkaSetup.TopicLayoutException.class,
                () -> KafkaSetup.ensureTopics(config("c", Map.of()), true));
        assertEquals("topic 'c-outcomes' (inertia.topic.outcomes) has 2 partitions but the input topic 'c-events' "
                + "has 4: outcomes would not meet their events; give it 4 partitions, or name another topic",
                refused.getMessage());
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertTrue(!topics.contains("c-learn-log") && !topics.contains("c-snapshots"),
                    "refused before anything was created: " + topics);
        }
    }

    @Test
    void shouldWriteAHeartbeatToEveryOutcomePartitionStampedWithTheWallClock() throws Exception {
        create("d-events", 3);
        InertiaConfig config = config("d", Map.of("inertia.outcome.heartbeat-ms", "200"));
        KafkaSetup.ensureTopics(config, true);
        long before = System.currentTimeMillis();
        List<ConsumerRecord<byte[], byte[]>> beats = new ArrayList<>();
        try (var heartbeats = io.inertia.runtime.OutcomeHeartbeats.start(config);
                KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            assertNotNull(heartbeats);
            List<TopicPartition> partitions = List.of(new TopicPartition("d-outcomes", 0),
                    new TopicPartition("d-outcomes", 1), new TopicPartition("d-outcomes", 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            EmbeddedKafka.await(Duration.ofSeconds(30), "two heartbeats on every partition", () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(beats::add);
                return partitions.stream().allMatch(partition -> beats.stream()
                        .filter(beat -> beat.partition() == partition.partition()).count() >= 2);
            });
        }
        long after = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> beat : beats) {
            assertNotNull(beat.headers().lastHeader(OutcomeJoiner.HEARTBEAT_HEADER), "marked as a heartbeat");
            assertNull(beat.key());
            assertNull(beat.value());
            assertTrue(beat.timestamp() >= before && beat.timestamp() <= after, "the wall clock's time");
        }
        assertNull(io.inertia.runtime.OutcomeHeartbeats.start(config("d", Map.of("inertia.outcome.heartbeat-ms",
                "0"))), "0 turns them off");
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties properties = kafka.clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
