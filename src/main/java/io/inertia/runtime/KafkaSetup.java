package io.inertia.runtime;

import io.inertia.config.InertiaConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects to the cluster and creates Inertia's topics when they are missing. */
public final class KafkaSetup {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSetup.class);
    /** How Kafka's clients say that they cannot read a keystore or truststore (wrong path, type or password). */
    private static final String STORE_FAILURE = "Failed to load SSL keystore";
    /** Enough for any chain of causes Kafka builds; a bound in case one is circular. */
    private static final int MAX_CAUSES = 16;

    private KafkaSetup() {
    }

    /** Thrown when the cluster cannot be used; the message is one line for the user. */
    public static final class ClusterUnavailableException extends RuntimeException {
        ClusterUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Thrown when an existing topic cannot be used as it is laid out (a partition count that breaks
     * co-partitioning); the message is one line for the user.
     */
    public static final class TopicLayoutException extends RuntimeException {
        TopicLayoutException(String message) {
            super(message);
        }
    }

    /** The Kafka client settings of {@code config}, as properties. */
    public static Properties clientProperties(InertiaConfig config) {
        Properties properties = new Properties();
        properties.putAll(config.kafka());
        return properties;
    }

    /**
     * The settings of a producer of Inertia's own records ({@code clientId}): the cluster's client settings, an
     * idempotent producer with {@code acks=all} that sends at once ({@code linger.ms=0}), without the Kafka Streams
     * settings of the same configuration, which are not the producer's (it would warn of each).
     */
    public static Properties producerProperties(InertiaConfig config, String clientId) {
        Properties properties = clientProperties(config);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        properties.keySet().removeIf(key -> !ProducerConfig.configNames().contains(key.toString())
                && !key.toString().startsWith("sasl.") && !key.toString().startsWith("ssl."));
        return properties;
    }

    /**
     * Waits up to the configured startup timeout for the cluster to answer, then creates the input, snapshot,
     * dead-letter and prediction topics that do not exist yet: the snapshot topic compacted, so the latest snapshot of
     * every model is always retained; and, when a feature spec's model key is a field or a constant, the re-keyed topic
     * with as many partitions as the input. Returns the number of partitions of the topic the learner reads (the input,
     * or the re-keyed topic).
     *
     * @throws ClusterUnavailableException when the cluster does not answer in time, refuses the request, or refuses
     *     the client (authentication, TLS or authorization)
     */
    public static int ensureTopics(InertiaConfig config) {
        return ensureTopics(config, false);
    }

    /**
     * As {@link #ensureTopics(InertiaConfig)}, and with {@code join} also the outcome joiner's topics: the outcome and
     * learn-log topics are created with the input topic's partition count (its own when it exists, else
     * {@code inertia.topic.partitions}), and an existing outcome topic must have that count: the joiner reads
     * partition p of both topics in one task, and Kafka's default partitioner (murmur2 of the key modulo the count)
     * puts a model's outcomes on its events' partition only when the counts are equal. Kafka Streams does not check
     * this for the Processor API; with another count outcomes would silently never meet their events.
     *
     * @throws ClusterUnavailableException as {@link #ensureTopics(InertiaConfig)}
     * @throws TopicLayoutException when the outcome topic exists with another partition count than the input's
     */
    public static int ensureTopics(InertiaConfig config, boolean join) {
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
            } catch (ExecutionException e) {
                // The admin client's own deadline (the same timeout) may expire first: the same outcome.
                if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw new ClusterUnavailableException("cannot reach Kafka at " + servers + " within "
                            + config.startupTimeoutMs() + " ms", e.getCause());
                }
                throw e;
            }
            Set<String> existing = admin.listTopics().names().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
            int inputPartitions = existing.contains(config.inputTopic()) ? partitions(admin, config,
                    config.inputTopic()) : config.topicPartitions();
            if (join) {
                checkCopartitioned(admin, config, existing, inputPartitions);
            }
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : topics(config, inputPartitions, join)) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            if (existing.contains(config.snapshotTopic())) {
                warnOnSnapshotTopicConfig(admin, config);
            }
            if (missing.isEmpty()) {
                return learnerPartitions(admin, config);
            }
            List<NewTopic> created = new ArrayList<>();
            Set<String> createdMeanwhile = new java.util.HashSet<>();
            for (var result : admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
                    LOG.info("Created topic {}", result.getKey());
                    missing.stream().filter(topic -> topic.name().equals(result.getKey())).forEach(created::add);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof AuthorizationException) {
                        // Kafka's own message here is just "Authorization failed."; say what was refused.
                        throw new ClusterUnavailableException("not authorized by Kafka at " + servers
                                + " to create topic '" + result.getKey() + "': " + e.getCause().getMessage(),
                                e.getCause());
                    }
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // Created by someone else since it was listed (another instance, or a script): laid out as they
                    // chose, and served already.
                    createdMeanwhile.add(result.getKey());
                }
            }
            // Described once served: a topic just created may not be known to every broker before.
            awaitWritable(admin, created, config.startupTimeoutMs());
            int partitions = learnerPartitions(admin, config);
            if (join) {
                checkCopartitioned(admin, config, createdMeanwhile, partitions);
            }
            return partitions;
        } catch (ExecutionException e) {
            ClusterUnavailableException security = securityFailure(config, e);
            if (security != null) {
                throw security;
            }
            throw new ClusterUnavailableException("Kafka at " + servers + " refused the request: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (KafkaException e) {
            ClusterUnavailableException security = securityFailure(config, e);
            if (security != null) {
                throw security;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new ClusterUnavailableException("Kafka at " + servers + " did not answer within "
                    + config.startupTimeoutMs() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("interrupted while connecting to Kafka at " + servers, e);
        }
    }

    /**
     * Logs one warning when an existing snapshot topic keeps the events' timestamps: older snapshot versions may then
     * be compacted away at once (see {@link #snapshotTopicConfig}). Only a warning: the topic is the user's.
     */
    private static void warnOnSnapshotTopicConfig(Admin admin, InertiaConfig config)
            throws ExecutionException, InterruptedException, TimeoutException {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, config.snapshotTopic());
        Config settings;
        try {
            settings = admin.describeConfigs(List.of(topic)).all()
                    .get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                // A principal allowed to learn need not be allowed to read topic configurations.
                return;
            }
            throw e;
        }
        ConfigEntry type = settings == null ? null : settings.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
        if (type != null && !"LogAppendTime".equals(type.value())) {
            LOG.warn("Snapshot topic {} has message.timestamp.type={}: snapshots carry their events' timestamps, so "
                    + "events older than its segment.ms make the broker compact older snapshot versions at once; set "
                    + "message.timestamp.type=LogAppendTime and min.compaction.lag.ms to keep every version readable",
                    config.snapshotTopic(), type.value());
        }
    }

    /**
     * The number of partitions of the topic the learner reads (the input, or the re-keyed topic when the input is
     * re-keyed), which it checks each event's partition against.
     */
    private static int learnerPartitions(Admin admin, InertiaConfig config)
            throws ExecutionException, InterruptedException, TimeoutException {
        return partitions(admin, config, config.rekeys() ? config.rekeyedTopic() : config.inputTopic());
    }

    private static int partitions(Admin admin, InertiaConfig config, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        return admin.describeTopics(List.of(topic)).allTopicNames()
                .get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS).get(topic).partitions().size();
    }

    /**
     * Refuses an existing outcome topic whose partition count differs from the input's; warns of such a learn-log
     * topic, whose records stay in each model's order whatever its count (they are keyed by model key).
     */
    private static void checkCopartitioned(Admin admin, InertiaConfig config, Set<String> existing,
            int inputPartitions) throws ExecutionException, InterruptedException, TimeoutException {
        if (existing.contains(config.outcomeTopic())) {
            int outcomes = partitions(admin, config, config.outcomeTopic());
            if (outcomes != inputPartitions) {
                throw new TopicLayoutException("topic '" + config.outcomeTopic() + "' ("
                        + InertiaConfig.Key.OUTCOME_TOPIC.key() + ") has " + outcomes + " partitions but the input "
                        + "topic '" + config.inputTopic() + "' has " + inputPartitions + ": outcomes would not meet "
                        + "their events; give it " + inputPartitions + " partitions, or name another topic");
            }
        }
        if (existing.contains(config.learnLogTopic())) {
            int learnLog = partitions(admin, config, config.learnLogTopic());
            if (learnLog != inputPartitions) {
                LOG.warn("Topic '{}' ({}) has {} partitions, the input topic '{}' {}: the learn log keeps each "
                        + "model's order, but not the input's partitioning", config.learnLogTopic(),
                        InertiaConfig.Key.LEARN_LOG_TOPIC.key(), learnLog, config.inputTopic(), inputPartitions);
            }
        }
    }

    /**
     * The one-line failure to report when {@code failure} or one of its causes says the cluster will not have this
     * client: authentication failed (wrong SASL credentials, a failed TLS handshake), the client's TLS keystore or
     * truststore cannot be loaded, or a permission is missing. Retrying cannot help with any of these, and Kafka's
     * clients do not; the line names the cluster and Kafka's reason (which never includes a password).
     *
     * @return the failure, or null when no cause is of these kinds
     */
    public static ClusterUnavailableException securityFailure(InertiaConfig config, Throwable failure) {
        String servers = config.kafka().get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < MAX_CAUSES; cause = cause.getCause(), depth++) {
            if (cause instanceof AuthenticationException) {
                return new ClusterUnavailableException("authentication to Kafka at " + servers + " failed: "
                        + reason(cause), cause);
            }
            if (cause instanceof AuthorizationException) {
                return new ClusterUnavailableException("not authorized by Kafka at " + servers + ": " + reason(cause),
                        cause);
            }
            if (cause.getMessage() != null && cause.getMessage().startsWith(STORE_FAILURE)) {
                return new ClusterUnavailableException("TLS setup for Kafka at " + servers + " failed: "
                        + reason(cause), cause);
            }
        }
        return null;
    }

    /** {@code failure}'s message and what its direct cause adds (e.g. why a TLS handshake failed), on one line. */
    private static String reason(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        Throwable cause = failure.getCause();
        if (cause != null && cause != failure) {
            String detail = cause.getMessage();
            // A cause whose message adds nothing (a file name already given) is named by its type.
            if (detail == null || message.contains(detail)) {
                detail = cause.getClass().getSimpleName();
            }
            message += ": " + detail;
        }
        return message.replaceAll("\\s+", " ").strip();
    }

    /**
     * Waits until the leader of every partition of the new topics serves it. Describing the topic is not enough: the
     * broker publishes the leader in its metadata before its replica manager has opened the partition, and produce
     * requests in that moment fail with NOT_LEADER_OR_FOLLOWER. An idempotent producer with several requests in flight
     * can then have a later batch appended before an earlier one, whose retries are refused as out of order until
     * they expire, and its events are lost (KAFKA-15591, fixed after Kafka 4.3). Asking the leader for the partition's
     * end offset goes through the same check as a produce request, so once every partition answers, none is in that
     * moment any more.
     */
    private static void awaitWritable(Admin admin, List<NewTopic> created, long timeoutMs)
            throws ExecutionException, TimeoutException, InterruptedException {
        List<String> names = created.stream().map(NewTopic::name).toList();
        Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
        for (NewTopic topic : created) {
            for (int partition = 0; partition < topic.numPartitions(); partition++) {
                partitions.put(new TopicPartition(topic.name(), partition), OffsetSpec.latest());
            }
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            try {
                admin.listOffsets(partitions).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the partitions of " + names + " are not served by a leader yet");
            }
            Thread.sleep(50);
        }
    }

    /**
     * The configuration of a snapshot topic Inertia creates: compacted, so that each model's latest snapshot is kept
     * for good; stamped with the broker's append time, and not compacted before {@code inertia.topic.snapshot-history-ms}
     * after publication, so that every version stays readable that long.
     *
     * <p>Why append time: with the events' own timestamps (a replay of last month's events, or the tests' events from
     * 1970), the first transaction marker, stamped with the broker's clock, differs from the records before it by more
     * than {@code segment.ms}; the broker then rolls the partition's first segment at once and the log cleaner compacts
     * it within seconds, so a reader from the beginning missed older versions of a model published in the same
     * segment. Compaction lag and segment rolling now count from when each snapshot was published.
     */
    static Map<String, String> snapshotTopicConfig(InertiaConfig config) {
        Map<String, String> settings = new HashMap<>();
        settings.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        settings.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        settings.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Long.toString(config.snapshotHistoryMs()));
        return settings;
    }

    /**
     * Inertia's topics; with {@code join} the outcome and learn-log topics, and the re-keyed one when the input is
     * re-keyed, each with {@code inputPartitions} partitions.
     */
    private static List<NewTopic> topics(InertiaConfig config, int inputPartitions, boolean join) {
        Map<String, String> compacted = snapshotTopicConfig(config);
        List<NewTopic> topics = new ArrayList<>(List.of(
                new NewTopic(config.inputTopic(), config.topicPartitions(), config.topicReplicationFactor()),
                new NewTopic(config.snapshotTopic(), config.topicPartitions(), config.topicReplicationFactor())
                        .configs(compacted),
                new NewTopic(config.deadLetterTopic(), config.topicPartitions(), config.topicReplicationFactor()),
                new NewTopic(config.predictionTopic(), config.topicPartitions(), config.topicReplicationFactor())));
        if (join) {
            topics.add(new NewTopic(config.outcomeTopic(), inputPartitions, config.topicReplicationFactor()));
            topics.add(new NewTopic(config.learnLogTopic(), inputPartitions, config.topicReplicationFactor()));
        }
        if (config.rekeys()) {
            topics.add(new NewTopic(config.rekeyedTopic(), inputPartitions, config.topicReplicationFactor()));
        }
        return topics;
    }
}
