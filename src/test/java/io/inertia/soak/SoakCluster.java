package io.inertia.soak;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;

/**
 * What the soak asks of the cluster: the consumer group's committed offsets and members, end offsets with and without
 * open transactions, the broker's restart through {@code kafka-local.sh}, and deleting what a run created. Questions
 * are asked with short deadlines and answered with null when the cluster does not answer (the broker may be
 * restarting): callers ask again until their own deadline.
 */
final class SoakCluster implements AutoCloseable {

    private static final long ASK_MS = 10_000;
    /** How long {@code kafka-local.sh stop} or {@code start} may take on a loaded machine. */
    private static final long SCRIPT_SECONDS = 300;

    private final Admin admin;
    private final Path kafkaScript;
    private final Path scriptLog;

    SoakCluster(String bootstrapServers, Path kafkaScript, Path scriptLog) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ASK_MS));
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(ASK_MS));
        this.admin = Admin.create(properties);
        this.kafkaScript = kafkaScript;
        this.scriptLog = scriptLog;
    }

    /** The group's committed offset of each partition of {@code topic} (absent where none), or null. */
    Map<Integer, Long> committed(String group, String topic) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(ASK_MS, TimeUnit.MILLISECONDS);
            Map<Integer, Long> byPartition = new TreeMap<>();
            offsets.forEach((partition, offset) -> {
                if (partition.topic().equals(topic) && offset != null) {
                    byPartition.put(partition.partition(), offset.offset());
                }
            });
            return byPartition;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /**
     * The end offset of each of the {@code partitions} partitions of {@code topic}: the high watermark, or under
     * {@code read_committed} the last stable offset (below the first record of a transaction still open); null when
     * the cluster does not answer.
     */
    Map<Integer, Long> endOffsets(String topic, int partitions, IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get(ASK_MS, TimeUnit.MILLISECONDS)
                    .forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
            return ends;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** Each member of {@code group} (client id and instance id) with the partitions of {@code topic} it holds. */
    Map<String, List<Integer>> assignment(String group, String topic) {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                    .get(ASK_MS, TimeUnit.MILLISECONDS).get(group);
            Map<String, List<Integer>> byMember = new TreeMap<>();
            for (MemberDescription member : description.members()) {
                byMember.put(member.groupInstanceId().orElse(member.consumerId()), member.assignment()
                        .topicPartitions().stream().filter(p -> p.topic().equals(topic))
                        .map(TopicPartition::partition).sorted().toList());
            }
            return byMember;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /**
     * Creates {@code topics} and waits until the leader of every partition serves it, as {@code KafkaSetup} does: with
     * Kafka 4.3.1 an idempotent producer writing to a partition its leader has not opened yet can lose a batch
     * (KAFKA-15591). Asking each leader for the partition's end offset passes the same check a produce request does.
     */
    void createTopics(List<NewTopic> topics, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            admin.createTopics(topics).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
            for (NewTopic topic : topics) {
                for (int p = 0; p < topic.numPartitions(); p++) {
                    partitions.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
                }
            }
            while (true) {
                try {
                    admin.listOffsets(partitions).all().get(ASK_MS, TimeUnit.MILLISECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(100);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new SoakFailure("cannot create topics " + topics.stream().map(NewTopic::name).toList() + ": "
                    + e.getMessage());
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** {@code kafka-local.sh stop}: the broker shuts down (controlled) and its process ends. */
    void stopBroker() {
        script("stop");
    }

    /** {@code kafka-local.sh start}: returns once the broker answers again. */
    void startBroker() {
        script("start");
    }

    private void script(String command) {
        try {
            Files.createDirectories(scriptLog.getParent());
            Files.writeString(scriptLog, "$ " + kafkaScript + " " + command + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(kafkaScript.toString(), command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(scriptLog.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new SoakFailure(kafkaScript.getFileName() + " " + command + " did not finish within "
                        + SCRIPT_SECONDS + " s (see " + scriptLog + ")");
            }
            if (process.exitValue() != 0) {
                throw new SoakFailure(kafkaScript.getFileName() + " " + command + " failed with exit status "
                        + process.exitValue() + " (see " + scriptLog + ")");
            }
        } catch (IOException e) {
            throw new SoakFailure("cannot run " + kafkaScript + " " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /** Deletes the topics whose names start with {@code prefix}; returns their names. */
    List<String> deleteTopicsStartingWith(String prefix) {
        try {
            List<String> doomed = new ArrayList<>();
            for (String name : admin.listTopics().names().get(ASK_MS, TimeUnit.MILLISECONDS)) {
                if (name.startsWith(prefix)) {
                    doomed.add(name);
                }
            }
            if (!doomed.isEmpty()) {
                admin.deleteTopics(doomed).all().get(3 * ASK_MS, TimeUnit.MILLISECONDS);
            }
            return doomed;
        } catch (ExecutionException | TimeoutException e) {
            throw new SoakFailure("cannot delete the topics starting with " + prefix + ": " + e.getMessage());
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    /**
     * Deletes consumer group {@code group}: its static members stay registered until their sessions expire, so they
     * are removed first. False when it could not be deleted.
     */
    boolean deleteGroup(String group) {
        try {
            try {
                admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all()
                        .get(ASK_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // No member left, or no group: deleting it says what matters.
            }
            admin.deleteConsumerGroups(List.of(group)).all().get(ASK_MS, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    private static SoakFailure interrupted() {
        Thread.currentThread().interrupt();
        return new SoakFailure("interrupted");
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
