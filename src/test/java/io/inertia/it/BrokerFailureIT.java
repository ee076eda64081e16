package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.inertia.config.InertiaConfig;
import io.inertia.runtime.LearnerApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner on a three-node cluster (replication factor 3, {@code min.insync.replicas=2} for its topics and its
 * changelogs) keeps learning while one broker is down, and its models equal, byte for byte, those of a run on the
 * healthy cluster.
 *
 * <p>The broker taken down is the coordinator of the learner's consumer group, so that the group, and any partition
 * it leads, must move. It is stopped with the test kit's {@code BrokerServer.shutdown()} (a controlled shutdown; the
 * cluster's controller is a node of its own and keeps running) and brought back with {@code startup()} on the same
 * log directories, the way Kafka's own cluster tests restart a KRaft broker; the test then waits until it is back in
 * the in-sync replicas of every partition the learner uses.
 */
@Tag("integration")
@Timeout(value = 175, unit = TimeUnit.SECONDS)
class BrokerFailureIT {

    private static final long SEED = Long.getLong("inertia.it.seed", 31_337L);
    private static final List<String> MODELS = List.of("alpha", "beta", "gamma");
    private static final int PER_MODEL = 7000;
    private static final int EVENTS = PER_MODEL * MODELS.size();
    private static final int SNAPSHOT_EVERY = 500;
    private static final int WINDOW = 3000;
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final String INPUT = "failover-events";
    private static final String FAILOVER = "failover-learner";
    private static final String REFERENCE = "failover-reference";

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(3, Map.of(
            "min.insync.replicas", "2",
            "default.replication.factor", "3",
            "transaction.state.log.min.isr", "2"));

    @TempDir
    Path work;

    @Test
    void shouldKeepLearningWhileABrokerIsDownAndEqualAHealthyRun() throws Exception {
        List<TrainingEvents.Event> events = TrainingEvents.generate(SEED, MODELS, PER_MODEL,
                System.currentTimeMillis(), INPUT);
        InertiaConfig failover = config(FAILOVER);
        Map<String, List<SnapshotLog.Entry>> survived;
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, WINDOW);
                LearnerApplication learner = new LearnerApplication(failover)) {
            learner.start();
            AtomicReference<Throwable> stopped = watch(learner);
            drive(stopped, "30% of the events committed", () -> feeder.topUp(FAILOVER) >= EVENTS * 3L / 10);
            List<String> topics = learnerTopics(failover);
            assertReplicated(topics);

            int victim = get(cluster.admin().describeConsumerGroups(List.of(FAILOVER)).describedGroups().get(FAILOVER))
                    .coordinator().id();
            String led = ledBy(victim, topics);
            assertFalse(led.isEmpty(), "broker " + victim + " leads partitions the learner uses");
            cluster.log("stopping broker %d (coordinator of %s; leads %s)", victim, FAILOVER, led);
            cluster.kafka().stopBroker(victim);
            EmbeddedKafka.await(PHASE, "broker " + victim + " leaving the cluster",
                    () -> !brokerIds().contains(victim));
            long committedAtStop = feeder.committed(FAILOVER);
            cluster.log("broker %d stopped at %d committed events", victim, committedAtStop);

            // A quarter of the input learned and committed after the broker was gone: many transactions, each
            // writing to partitions whose leader moved, through a group coordinator that moved.
            long outageGoal = Math.min(EVENTS - WINDOW, committedAtStop + EVENTS / 4);
            drive(stopped, outageGoal + " events committed with broker " + victim + " down",
                    () -> feeder.topUp(FAILOVER) >= outageGoal);
            cluster.log("learned %d more events with broker %d down; restarting it", feeder.committed(FAILOVER)
                    - committedAtStop, victim);
            cluster.kafka().restartBroker(victim);
            drive(stopped, "broker " + victim + " back in the in-sync replicas of " + topics,
                    () -> {
                        feeder.topUp(FAILOVER);
                        return inSyncEverywhere(victim, topics);
                    });
            cluster.log("broker %d back in sync at %d committed events", victim, feeder.committed(FAILOVER));

            try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), failover.snapshotTopic(), true)) {
                drive(stopped, "every event committed and every model at version " + PER_MODEL,
                        () -> feeder.topUp(FAILOVER) == EVENTS && log.catchUp().reached(MODELS, PER_MODEL));
                survived = log.byModel();
            }
            assertEquals(null, stopped.get(), "the learner never stopped");
        }
        cluster.log("the run through the broker failure is complete");

        Map<String, List<SnapshotLog.Entry>> healthy = healthyRun();
        cluster.log("the healthy run is complete");
        for (String model : MODELS) {
            assertEquals(LongStream.rangeClosed(1, PER_MODEL / SNAPSHOT_EVERY).map(i -> i * SNAPSHOT_EVERY).boxed()
                            .toList(),
                    survived.get(model).stream().map(SnapshotLog.Entry::version).toList(),
                    "committed snapshot versions of " + model + ": each multiple of " + SNAPSHOT_EVERY + " once");
            SnapshotLog.assertSameBytes(model + ": run through the broker failure vs healthy run",
                    SnapshotLog.values(healthy.get(model)), SnapshotLog.values(survived.get(model)));
        }
    }

    /** The same input learned by a second application on the healthy cluster. */
    private Map<String, List<SnapshotLog.Entry>> healthyRun() throws Exception {
        InertiaConfig reference = config(REFERENCE);
        try (LearnerApplication learner = new LearnerApplication(reference)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), reference.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the healthy run reaching version " + PER_MODEL,
                        () -> log.catchUp().reached(MODELS, PER_MODEL));
                return log.byModel();
            }
        }
    }

    /** Every partition of the learner's topics has three replicas and the topics require two in sync. */
    private void assertReplicated(List<String> topics) {
        for (TopicDescription topic : get(cluster.admin().describeTopics(topics).allTopicNames()).values()) {
            for (TopicPartitionInfo partition : topic.partitions()) {
                assertEquals(3, partition.replicas().size(), topic.name() + "-" + partition.partition() + " replicas");
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
            String minInSync = get(cluster.admin().describeConfigs(List.of(resource)).all()).get(resource)
                    .get("min.insync.replicas").value();
            assertEquals("2", minInSync, topic.name() + " min.insync.replicas");
        }
    }

    /** The input, output and changelog topics of the learner. */
    private List<String> learnerTopics(InertiaConfig config) {
        List<String> topics = new ArrayList<>(List.of(config.inputTopic(), config.snapshotTopic(),
                config.predictionTopic(), config.deadLetterTopic()));
        get(cluster.admin().listTopics().names()).stream().filter(name -> name.startsWith(FAILOVER + "-")
                && name.endsWith("-changelog")).sorted().forEach(topics::add);
        // Headers, parts, and release 0.1's coordinates (read for the models it stored).
        assertEquals(7, topics.size(), "the learner's topics, with its three changelogs: " + topics);
        return topics;
    }

    private Set<Integer> brokerIds() {
        return get(cluster.admin().describeCluster().nodes()).stream().map(Node::id).collect(Collectors.toSet());
    }

    private String ledBy(int broker, List<String> topics) {
        return get(cluster.admin().describeTopics(topics).allTopicNames()).values().stream()
                .flatMap(topic -> topic.partitions().stream()
                        .filter(partition -> partition.leader() != null && partition.leader().id() == broker)
                        .map(partition -> topic.name() + "-" + partition.partition()))
                .sorted().collect(Collectors.joining(", "));
    }

    private boolean inSyncEverywhere(int broker, List<String> topics) {
        return get(cluster.admin().describeTopics(topics).allTopicNames()).values().stream()
                .flatMap(topic -> topic.partitions().stream())
                .allMatch(partition -> partition.isr().stream().anyMatch(node -> node.id() == broker));
    }

    /** Polls {@code goal} until it holds; fails at once when the learner stops. */
    private static void drive(AtomicReference<Throwable> stopped, String what,
            BooleanSupplier goal) throws InterruptedException {
        EmbeddedKafka.await(PHASE, what, () -> {
            if (stopped.get() != null) {
                throw new AssertionError("the learner stopped while waiting for " + what, stopped.get());
            }
            return goal.getAsBoolean();
        });
    }

    /** Records in the returned reference why the learner stopped, should it stop. */
    private static AtomicReference<Throwable> watch(LearnerApplication learner) {
        AtomicReference<Throwable> stopped = new AtomicReference<>();
        Thread watcher = new Thread(() -> {
            try {
                Throwable failure = learner.awaitStop();
                stopped.set(failure != null ? failure : new IllegalStateException("closed"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "learner-watch");
        watcher.setDaemon(true);
        watcher.start();
        return stopped;
    }

    private InertiaConfig config(String applicationId) {
        Map<String, String> settings = KafkaFixture.application(applicationId, work);
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.partitions", "3");
        settings.put("inertia.topic.replication-factor", "3");
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        // Kafka Streams' own changelog topics: replicated like the rest.
        settings.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "3");
        return cluster.config(settings);
    }

    private static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

}
