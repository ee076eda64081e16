package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.runtime.KafkaSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code inertia run} processes (separate JVMs, so that one can be SIGKILLed) with one application id share
 * the input's partitions, each model learned by exactly one of them at a time; a survivor takes over a killed
 * instance's models within Inertia's documented time, every model ends bit-identical to a run never interrupted, and a
 * restarted instance (same state directory) rejoins at once thanks to static membership.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MultiInstanceIT {

    private static final String INPUT = "labeled-events";
    private static final int PARTITIONS = 4;
    private static final int PER_MODEL = 1500;
    private static final int SNAPSHOT_EVERY = 100;
    /** Inertia's default consumer session timeout (LearnerApplication). */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PHASE = Duration.ofSeconds(120);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    private int learnersStarted;

    @Test
    void shouldHandAKilledInstancesModelsToTheSurvivorAndEndBitIdenticalToAnUninterruptedRun() throws Exception {
        String application = "multi";
        List<String> models = keysCoveringEveryPartition(2);
        List<TrainingEvents.Event> events = TrainingEvents.generate(11L, models, PER_MODEL, 1_000_000L, INPUT);
        InertiaConfig config = config(application, Map.of());
        KafkaSetup.ensureTopics(config);
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, 600)) {
            ChildLearner first = start("first", application, Map.of());
            ChildLearner second = start("second", application, Map.of());
            EmbeddedKafka.await(PHASE, "both instances learning from their partitions", () ->
                    feeder.topUp(application) >= events.size() / 4 && assignments(application).size() == 2
                            && assignments(application).values().stream().noneMatch(List::isEmpty));
            Map<String, List<Integer>> before = assignments(application);
            cluster.log("assignment with two instances: %s", before);

            assertEquals(ChildLearner.KILLED, first.kill());
            long killedAt = System.nanoTime();
            Map<TopicPartition, Long> atKill = committed(application);
            cluster.log("SIGKILLed %s at committed offsets %s", first, atKill);
            // The survivor takes over when every partition commits again past where it stood.
            EmbeddedKafka.await(PHASE, "every partition learned from again", () -> {
                feeder.topUp(application);
                Map<TopicPartition, Long> now = committed(application);
                return atKill.keySet().stream().allMatch(partition -> now.get(partition) > atKill.get(partition)
                        || now.get(partition) >= endOffset(partition));
            });
            double takeover = (System.nanoTime() - killedAt) / 1e9;
            cluster.log("the survivor took over in %.1f s (session timeout %d s)", takeover,
                    SESSION_TIMEOUT.toSeconds());
            assertTrue(takeover < 2 * SESSION_TIMEOUT.toSeconds(), "takeover in " + takeover + " s, not before "
                    + "twice the session timeout");
            assertTrue(second.isAlive());

            ChildLearner back = start("first again", application, Map.of());
            EmbeddedKafka.await(PHASE, "the partitions spread over both instances again", () -> {
                feeder.topUp(application);
                Map<String, List<Integer>> now = assignments(application);
                return now.size() == 2 && now.values().stream().noneMatch(List::isEmpty);
            });
            cluster.log("assignment after the restart: %s", assignments(application));
            EmbeddedKafka.await(PHASE, "every event learned", () -> feeder.topUp(application) == events.size());
            assertTrue(back.isAlive() && second.isAlive());
        }
        Map<String, List<byte[]>> reference = LocalReference.snapshotsByModel(config, events.size());
        try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), config.snapshotTopic(), true)) {
            EmbeddedKafka.await(PHASE, "every snapshot committed", () -> log.catchUp().reached(models, PER_MODEL));
            Map<String, List<SnapshotLog.Entry>> live = log.byModel();
            for (String model : models) {
                SnapshotLog.assertSameBytes(model + ": two instances, one killed, vs an uninterrupted local run",
                        reference.get(model), SnapshotLog.values(live.get(model)));
            }
        }
    }

    @Test
    void shouldLearnAgainWellWithinTheSessionTimeoutWhenRestartedWithItsStateDirectory() throws Exception {
        String application = "restarted";
        // A session timeout of 60 s: without static membership a restart would wait for it to expire.
        Map<String, String> slowSession = Map.of("session.timeout.ms", "60000", "heartbeat.interval.ms", "3000");
        List<String> models = keysCoveringEveryPartition(1);
        List<TrainingEvents.Event> events = TrainingEvents.generate(12L, models, PER_MODEL, 1_000_000L, INPUT);
        KafkaSetup.ensureTopics(config(application, slowSession));
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, 600)) {
            ChildLearner learner = start("learner", application, slowSession);
            EmbeddedKafka.await(PHASE, "learning", () -> feeder.topUp(application) >= events.size() / 4);
            assertEquals(ChildLearner.KILLED, learner.kill());
            long atKill = feeder.topUp(application);
            long restartedAt = System.nanoTime();
            start("learner restarted", application, slowSession);
            EmbeddedKafka.await(PHASE, "learning again", () -> feeder.topUp(application) > atKill);
            double back = (System.nanoTime() - restartedAt) / 1e9;
            cluster.log("the restarted instance learned again %.1f s after its start (session timeout 60 s)", back);
            assertTrue(back < 30, "learned again " + back + " s after the restart, not within 30 s");
        }
    }

    private ChildLearner start(String name, String application, Map<String, String> extra) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--bootstrap-servers", cluster.bootstrapServers(),
                "--application-id", application, "--state-dir", work.resolve(application + "-" + name.split(" ")[0])
                        .toString()));
        Map<String, String> properties = new LinkedHashMap<>(Map.of("inertia.topic.partitions",
                Integer.toString(PARTITIONS), "inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY),
                "inertia.progress-interval-ms", "1000"));
        properties.putAll(extra);
        properties.forEach((key, value) -> {
            arguments.add("-p");
            arguments.add(key + "=" + value);
        });
        ChildLearner learner = ChildLearner.start(name, work.resolve(application + "-" + learnersStarted + ".log"),
                arguments);
        cluster.closeAfterTest(learner);
        learnersStarted++;
        cluster.log("started %s", learner);
        return learner;
    }

    private InertiaConfig config(String application, Map<String, String> extra) {
        Map<String, String> settings = new LinkedHashMap<>(Map.of("inertia.topic.partitions",
                Integer.toString(PARTITIONS), "inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY),
                StreamsConfig.APPLICATION_ID_CONFIG, application));
        settings.putAll(extra);
        return cluster.config(settings);
    }

    /** The input partitions each member of the group holds, by member client id. */
    private Map<String, List<Integer>> assignments(String application) {
        try {
            ConsumerGroupDescription group = cluster.admin().describeConsumerGroups(List.of(application)).all()
                    .get(10, TimeUnit.SECONDS).get(application);
            Map<String, List<Integer>> byMember = new TreeMap<>();
            for (MemberDescription member : group.members()) {
                byMember.put(member.clientId() + "/" + member.groupInstanceId().orElse("-"),
                        member.assignment().topicPartitions().stream().filter(p -> p.topic().equals(INPUT))
                                .map(TopicPartition::partition).sorted().toList());
            }
            return byMember;
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** The group's committed offset of every input partition (0 where none). */
    private Map<TopicPartition, Long> committed(String application) {
        Map<TopicPartition, Long> offsets = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        for (int p = 0; p < PARTITIONS; p++) {
            offsets.put(new TopicPartition(INPUT, p), 0L);
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> given = cluster.admin().listConsumerGroupOffsets(application)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            given.forEach((partition, offset) -> {
                if (offset != null && partition.topic().equals(INPUT)) {
                    offsets.put(partition, offset.offset());
                }
            });
        } catch (Exception e) {
            throw new AssertionError("cannot read the offsets of " + application, e);
        }
        return offsets;
    }

    private long endOffset(TopicPartition partition) {
        try {
            return cluster.kafka().endOffsets(List.of(partition)).get(partition);
        } catch (Exception e) {
            return Long.MAX_VALUE;
        }
    }

    /** Model keys, {@code perPartition} on each input partition (Kafka's own partitioner says which). */
    private static List<String> keysCoveringEveryPartition(int perPartition) {
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.values().stream().mapToInt(List::size).sum() < PARTITIONS * perPartition; i++) {
            String key = "model-" + i;
            int partition = BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
            List<String> keys = byPartition.computeIfAbsent(partition, p -> new ArrayList<>());
            if (keys.size() < perPartition) {
                keys.add(key);
            }
        }
        return byPartition.values().stream().flatMap(List::stream).sorted().toList();
    }

}
