package io.inertia.runtime;

import io.inertia.config.InertiaConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects to the cluster and creates Inertia's topics when they are missing. */
public final class KafkaSetup {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSetup.class);

    private KafkaSetup() {
    }

    /** Thrown when the cluster cannot be used; the message is one line for the user. */
    public static final class ClusterUnavailableException extends RuntimeException {
        ClusterUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The Kafka client settings of {@code config}, as properties. */
    public static Properties clientProperties(InertiaConfig config) {
        Properties properties = new Properties();
        properties.putAll(config.kafka());
        return properties;
    }

    /**
     * Waits up to the configured startup timeout for the cluster to answer, then creates the input, snapshot,
     * dead-letter and prediction topics that do not exist yet: the snapshot topic compacted, so the latest snapshot of every model is
     * always retained.
     *
     * @throws ClusterUnavailableException when the cluster does not answer in time or refuses the request
     */
    public static void ensureTopics(InertiaConfig config) {
        Properties properties = clientProperties(config);
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.startupTimeoutMs());
        properties.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(timeout));
        properties.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(timeout, 30_000)));
        String servers = String.valueOf(properties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        try (Admin admin = Admin.create(properties)) {
            try {
                admin.describeCluster().nodes().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new ClusterUnavailableException("cannot reach Kafka at " + servers + " within "
                        + config.startupTimeoutMs() + " ms", e);
            }
            Set<String> existing = admin.listTopics().names().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : topics(config)) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var result : admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
                    LOG.info("Created topic {}", result.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new ClusterUnavailableException("Kafka at " + servers + " refused the request: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ClusterUnavailableException("Kafka at " + servers + " did not answer within "
                    + config.startupTimeoutMs() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("interrupted while connecting to Kafka at " + servers, e);
        }
    }

    private static List<NewTopic> topics(InertiaConfig config) {
        Map<String, String> compacted = new HashMap<>();
        compacted.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        return List.of(
                new NewTopic(config.inputTopic(), config.topicPartitions(), config.topicReplicationFactor()),
                new NewTopic(config.snapshotTopic(), config.topicPartitions(), config.topicReplicationFactor())
                        .configs(compacted),
                new NewTopic(config.deadLetterTopic(), config.topicPartitions(), config.topicReplicationFactor()),
                new NewTopic(config.predictionTopic(), config.topicPartitions(), config.topicReplicationFactor()));
    }
}
