package io.inertia.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the benchmark asks of the cluster: creating topics that are ready to be written, reading a consumer group's
 * committed offsets, producing checked events, and deleting what a case created.
 */
final class BenchCluster implements AutoCloseable {

    /** Deadline of each request to the cluster. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long deleting a group is retried while its departed members are still registered. */
    private static final Duration GROUP_DELETE_TIMEOUT = Duration.ofSeconds(20);
    private static final long RETRY_MS = 100;

    private final String bootstrapServers;
    private final Admin admin;

    BenchCluster(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT.toMillis()));
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        this.admin = Admin.create(properties);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Fails with one line when the cluster does not answer within {@link #TIMEOUT}. */
    void awaitReachable() {
        try {
            admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchmarkFailure("cannot reach Kafka at " + bootstrapServers + " within " + TIMEOUT.toSeconds()
                    + " s: " + message(e));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Creates {@code topics} and waits until the leader of every partition serves it, as {@code KafkaSetup} does: with
     * Kafka 4.3.1 an idempotent producer writing to a partition its leader has not opened yet can lose a batch
     * (KAFKA-15591). Asking each leader for the partition's end offset passes the same check a produce request does.
     */
    void createTopics(List<NewTopic> topics) {
        List<String> names = topics.stream().map(NewTopic::name).toList();
        try {
            admin.createTopics(topics).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
            for (NewTopic topic : topics) {
                for (int p = 0; p < topic.numPartitions(); p++) {
                    partitions.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
                }
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                try {
                    admin.listOffsets(partitions).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(RETRY_MS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchmarkFailure("cannot create topics " + names + ": " + message(e));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * The sum over the partitions of {@code topic} of the offsets that group {@code groupId} committed: the events it
     * has consumed and committed, since the topics the benchmark preloads hold no transaction markers. 0 while the
     * group has committed nothing; -1 when the cluster did not answer this time (the caller asks again).
     */
    long committed(String groupId, String topic) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long sum = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
                if (entry.getKey().topic().equals(topic) && entry.getValue() != null) {
                    sum += entry.getValue().offset();
                }
            }
            return sum;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            if (e.getCause() instanceof RetriableException) {
                return -1;
            }
            throw new BenchmarkFailure("cannot read the offsets of group " + groupId + ": " + message(e));
        } catch (TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** The sum of the end offsets of partitions 0..{@code partitions} − 1 of {@code topic}. */
    /** The committed offset of every partition of {@code topic} that group {@code groupId} has committed. */
    Map<TopicPartition, Long> committedByPartition(String groupId, String topic) {
        Map<TopicPartition, Long> byPartition = new java.util.TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::toString));
        try {
            admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).forEach((partition, offset) -> {
                        if (partition.topic().equals(topic) && offset != null) {
                            byPartition.put(partition, offset.offset());
                        }
                    });
        } catch (ExecutionException | TimeoutException e) {
            return Map.of();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        return byPartition;
    }

    /** How many members of group {@code groupId} hold at least one partition of {@code topic}. */
    int membersWithPartitions(String groupId, String topic) {
        try {
            return (int) admin.describeConsumerGroups(List.of(groupId)).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(groupId).members().stream()
                    .filter(member -> member.assignment().topicPartitions().stream()
                            .anyMatch(partition -> partition.topic().equals(topic)))
                    .count();
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    long endOffsetSum(String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            return admin.listOffsets(request).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchmarkFailure("cannot read the end offsets of " + topic + ": " + message(e));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** A producer of checked events: idempotent, acks=all. */
    KafkaProducer<String, byte[]> producer(int lingerMs) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        properties.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(1024 * 1024));
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Counts the sends that failed; every send is checked, and {@link #check} turns failures into a one-line error
     * with their count and the first reason.
     */
    static final class SendCheck {
        private final AtomicLong failed = new AtomicLong();
        private final AtomicReference<Exception> first = new AtomicReference<>();

        /** Sends {@code record} and records its outcome. */
        void send(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record) {
            producer.send(record, (metadata, exception) -> {
                if (exception != null) {
                    failed.incrementAndGet();
                    first.compareAndSet(null, exception);
                }
            });
        }

        /** Fails when any send of {@code sent} failed; call after {@code producer.flush()}. */
        void check(long sent, String topic) {
            if (failed.get() > 0) {
                throw new BenchmarkFailure(failed.get() + " of " + sent + " events were not delivered to " + topic
                        + ": " + first.get());
            }
        }
    }

    /** Deletes every topic whose name starts with {@code prefix}; returns their names. */
    List<String> deleteTopicsStartingWith(String prefix) {
        try {
            List<String> doomed = new ArrayList<>();
            for (String name : admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                if (name.startsWith(prefix)) {
                    doomed.add(name);
                }
            }
            if (!doomed.isEmpty()) {
                admin.deleteTopics(doomed).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            return doomed;
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchmarkFailure("cannot delete the topics starting with " + prefix + ": " + message(e));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Deletes the consumer groups {@code groupIds}. A Kafka Streams application does not leave its group when it
     * closes, so its members stay registered until their session times out and the group cannot be deleted yet;
     * they are removed first. Returns the groups that still could not be deleted.
     */
    List<String> deleteGroups(Collection<String> groupIds) {
        List<String> left = new ArrayList<>();
        for (String group : groupIds) {
            if (!deleteGroup(group)) {
                left.add(group);
            }
        }
        return left;
    }

    private boolean deleteGroup(String group) {
        long deadline = System.nanoTime() + GROUP_DELETE_TIMEOUT.toNanos();
        try {
            while (true) {
                try {
                    admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all()
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    // Whatever the reason (no member left, no group), deleting the group below tells what matters.
                }
                try {
                    admin.deleteConsumerGroups(List.of(group)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    return true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof GroupIdNotFoundException) {
                        return true;
                    }
                    if (!(e.getCause() instanceof GroupNotEmptyException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(RETRY_MS * 5);
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("bench: could not delete consumer group " + group + ": " + message(e));
            return false;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }

    /** One line: the root cause's type and message. */
    static String message(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; depth < 16 && cause.getCause() != null && cause.getCause() != cause; depth++) {
            cause = cause.getCause();
        }
        String text = cause.getMessage() == null ? "" : ": " + cause.getMessage();
        return (cause.getClass().getSimpleName() + text).replaceAll("\\s+", " ").strip();
    }

    private static BenchmarkFailure interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new BenchmarkFailure("interrupted");
    }
}
