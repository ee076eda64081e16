package io.inertia.serving;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Which instance owns a model: the active host of the partition of its key, as Kafka Streams' metadata says
 * ({@code queryMetadataForKey}), remembered per partition for a short while. Asking Kafka Streams at every request
 * costs locks its own threads take (a tenth of a prediction's time); a partition's owner changes only in a rebalance.
 * An answer at most {@value #TTL_MILLIS} ms old may name an instance that no longer owns the partition: that instance
 * then answers 503 ("moving", or its stores not queryable), the client retries, and {@link #forget} drops the stale
 * answer at once.
 *
 * <p>The partition of a key is murmur2 of its UTF-8 bytes modulo the input topic's partitions, as Kafka's default
 * partitioner computes it: the learner dead-letters an event found on any other partition, so a model lives there.
 */
final class Owners {

    static final long TTL_MILLIS = 1_000;

    private final KafkaStreams streams;
    private final String storeName;
    private final int partitions;
    private final AtomicReferenceArray<Known> known;

    /** The owners of the keys of {@code storeName}, whose input topic has {@code partitions} partitions. */
    Owners(KafkaStreams streams, String storeName, int partitions) {
        this.streams = streams;
        this.storeName = storeName;
        this.partitions = partitions;
        this.known = new AtomicReferenceArray<>(partitions);
    }

    /** The owner of {@code key} and its partition, or null when no instance owns it now (rebalancing). */
    Owner of(String key) {
        int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
        long now = System.nanoTime();
        Known cached = known.get(partition);
        if (cached != null && now - cached.at < TTL_MILLIS * 1_000_000L) {
            return cached.owner;
        }
        KeyQueryMetadata metadata;
        try {
            metadata = streams.queryMetadataForKey(storeName, key, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            // Kafka Streams is shutting down or failed: no instance to ask here.
            throw ApiError.unavailable("the learner is not running (" + streams.state() + "); retry shortly");
        }
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE) || metadata.activeHost() == null) {
            known.set(partition, null);
            return null;
        }
        Owner owner = new Owner(metadata.activeHost(), metadata.partition());
        known.set(partition, new Known(owner, now));
        return owner;
    }

    /** Forgets what is known of the owner of {@code partition}: it was found stale. */
    void forget(int partition) {
        if (partition >= 0 && partition < partitions) {
            known.set(partition, null);
        }
    }

    /** An instance and the partition of the key it owns. */
    record Owner(HostInfo host, int partition) {
    }

    private record Known(Owner owner, long at) {
    }
}
