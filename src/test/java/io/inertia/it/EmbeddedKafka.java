package io.inertia.it;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real in-process KRaft cluster for integration tests, plus waiting with a deadline instead of sleeping. */
final class EmbeddedKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts a combined-mode cluster of {@code brokers} nodes and waits until its brokers are ready. */
    static EmbeddedKafka start(int brokers) throws Exception {
        short replication = (short) Math.min(3, brokers);
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(brokers)
                        .setNumControllerNodes(brokers)
                        .build())
                .setConfigProp("offsets.topic.replication.factor", Short.toString(replication))
                .setConfigProp("transaction.state.log.replication.factor", Short.toString(replication))
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
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

    /** Settings for an Inertia config on this cluster: bootstrap servers plus {@code more}. */
    Map<String, String> settings(Map<String, String> more) {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>(more);
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return settings;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    /** Polls {@code condition} until it holds; fails with {@code what} when {@code timeout} passes first. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
