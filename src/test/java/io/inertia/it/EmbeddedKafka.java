package io.inertia.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real in-process KRaft cluster for integration tests, plus waiting with a deadline instead of sleeping. */
final class EmbeddedKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts a cluster of {@code brokers} brokers (see {@link #start(int, Map)}) and waits until they are ready. */
    static EmbeddedKafka start(int brokers) throws Exception {
        return start(brokers, Map.of());
    }

    /**
     * Starts a cluster of {@code brokers} brokers with {@code brokerSettings} over the defaults here (e.g.
     * {@code min.insync.replicas}), and waits until its brokers are ready. One broker runs in combined mode (broker and
     * controller in one node); several run as broker-only nodes 0, 1, … beside a single controller node. A quorum of
     * several controllers is avoided on purpose: with Kafka 4.3.1 it can fail at start, seen here on a loaded machine
     * (the followers' raft threads stop on the leader's INVALID_REQUEST answer to UpdateVoter, the brokers are never
     * unfenced, and startup waits without end). A single controller also keeps stopping a broker from touching it.
     */
    static EmbeddedKafka start(int brokers, Map<String, String> brokerSettings) throws Exception {
        short replication = (short) Math.min(3, brokers);
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(brokers == 1)
                        .setNumBrokerNodes(brokers)
                        .setNumControllerNodes(1)
                        .build())
                .setConfigProp("offsets.topic.replication.factor", Short.toString(replication))
                .setConfigProp("transaction.state.log.replication.factor", Short.toString(replication))
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                // The tests' events carry timestamps from 1970: with a retention in time, the broker would delete the
                // input topic's records at its first retention check (30 s after start), under a test still reading.
                .setConfigProp("log.retention.ms", "-1");
        brokerSettings.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
    }

    /**
     * Every committed record of {@code topic}, up to its end as of the call, partition after partition; fails when
     * that takes longer than {@code patience}.
     */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, Duration patience) {
        Properties properties = clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + patience.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                if (System.nanoTime() >= deadline) {
                    throw new AssertionError("reading " + topic + " to its end took more than " + patience);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Client properties pointing at this cluster. */
    Properties clientProperties() {
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /**
     * The end offset of each of {@code partitions}, asked of their leaders; fails while a leader does not serve its
     * partition yet.
     */
    Map<TopicPartition, Long> endOffsets(java.util.Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new java.util.LinkedHashMap<>();
        partitions.forEach(partition -> request.put(partition, OffsetSpec.latest()));
        try (Admin admin = Admin.create(clientProperties())) {
            Map<TopicPartition, Long> ends = new java.util.TreeMap<>(
                    java.util.Comparator.comparing(TopicPartition::toString));
            admin.listOffsets(request).all().get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .forEach((partition, info) -> ends.put(partition, info.offset()));
            return ends;
        }
    }

    /** Settings for an Inertia config on this cluster: bootstrap servers plus {@code more}. */
    Map<String, String> settings(Map<String, String> more) {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>(more);
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return settings;
    }

    /**
     * Shuts broker {@code nodeId} down: a controlled shutdown, in which it hands its partition leaderships over first.
     * The controller is a node of its own when there are several brokers, so it keeps running.
     */
    void stopBroker(int nodeId) {
        broker(nodeId).shutdown();
    }

    /** Starts the stopped broker of node {@code nodeId} again, with its log directories as it left them. */
    void restartBroker(int nodeId) {
        broker(nodeId).startup();
    }

    private kafka.server.BrokerServer broker(int nodeId) {
        kafka.server.BrokerServer broker = cluster.brokers().get(nodeId);
        if (broker == null) {
            throw new IllegalArgumentException("no broker " + nodeId + "; brokers: " + cluster.brokers().keySet());
        }
        return broker;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    /** Polls {@code condition} until it holds; fails with {@code what} when {@code timeout} passes first. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        await(timeout, () -> what, condition);
    }

    /**
     * Polls {@code condition} until it holds; fails with the description {@code what} gives at that moment (so that it
     * can say how far things got) when {@code timeout} passes first.
     */
    static void await(Duration timeout, java.util.function.Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what.get());
            }
            Thread.sleep(50);
        }
    }
}
