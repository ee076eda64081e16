package io.inertia.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * How snapshots lie on the snapshot topic (README, "Snapshots in parts"):
 *
 * <ul>
 *   <li>key = model key, value = {@code ModelSnapshot}: a model's snapshot header. When its {@code parts} is null it is
 *       the whole snapshot (named weights inline), as for every model of at most {@value #INLINE_WEIGHTS} named
 *       weights whose snapshot fits in one record.</li>
 *   <li>key = model key + NUL + generation + NUL + index (decimal), value = {@code ModelSnapshotPart}: named weights
 *       of a larger model; a null value deletes an obsolete part.</li>
 * </ul>
 *
 * Every record of a model's snapshot goes to the partition of its model key ({@link #partitioner()}), in one
 * transaction, parts before their header, so a {@code read_committed} reader sees them complete and in order.
 */
public final class SnapshotLayout {

    /** Separates the model key from the generation and the index in part keys; model keys may not contain it. */
    public static final char SEPARATOR = '\u0000';
    /** A model with at most this many named weights is published as one record, when that record fits. */
    public static final int INLINE_WEIGHTS = 1024;

    private SnapshotLayout() {
    }

    /** The key of part {@code index} of generation {@code generation} of model {@code modelKey}. */
    public static String partKey(String modelKey, long generation, int index) {
        return modelKey + SEPARATOR + generation + SEPARATOR + index;
    }

    /** The model key of a record key of the snapshot topic: the key up to its first NUL, or the whole key. */
    public static String modelKeyOf(String recordKey) {
        int end = recordKey.indexOf(SEPARATOR);
        return end < 0 ? recordKey : recordKey.substring(0, end);
    }

    /** Whether {@code recordKey} is the key of a part (rather than of a header). */
    public static boolean isPartKey(String recordKey) {
        return recordKey.indexOf(SEPARATOR) >= 0;
    }

    /**
     * The partitioner of the snapshot sink: every record goes where Kafka's default partitioner puts its model key
     * (murmur2 of the key's bytes), so that a model's header and parts share a partition.
     */
    public static StreamPartitioner<byte[], byte[]> partitioner() {
        return (topic, key, value, partitions) -> Optional.of(Set.of(partitionOf(key, partitions)));
    }

    /** The partition of the snapshot record with key bytes {@code key} among {@code partitions}. */
    static int partitionOf(byte[] key, int partitions) {
        int end = 0;
        while (end < key.length && key[end] != 0) {
            end++;
        }
        byte[] modelKey = end == key.length ? key : Arrays.copyOf(key, end);
        return Utils.toPositive(Utils.murmur2(modelKey)) % partitions;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
