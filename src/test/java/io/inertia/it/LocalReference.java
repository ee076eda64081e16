package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.config.InertiaConfig;
import io.inertia.replay.LocalLearner;
import io.inertia.runtime.TopicRange;
import io.inertia.topology.LearningObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.Headers;

/**
 * The reference the integration tests compare a live run with: the records of the input topic fed to a
 * {@link LocalLearner} in the test's thread (the same processor and stores, no Kafka Streams runtime, no
 * transactions, no crash), each record at its own partition and offset, as a snapshot's input position records it.
 */
final class LocalReference {

    private LocalReference() {
    }

    /**
     * Every snapshot record value the learner publishes, per model key, for the whole input topic of {@code config};
     * fails unless it holds exactly {@code expectedEvents} events, all of them learnable.
     */
    static Map<String, List<byte[]>> snapshotsByModel(InertiaConfig config, int expectedEvents) {
        return snapshotsByModel(config, expectedEvents, 0);
    }

    /** As {@link #snapshotsByModel(InertiaConfig, int)}, where exactly {@code expectedRejected} events are bad. */
    static Map<String, List<byte[]>> snapshotsByModel(InertiaConfig config, int expectedEvents, int expectedRejected) {
        Map<String, List<byte[]>> snapshots = new TreeMap<>();
        int[] rejected = {0};
        LocalLearner.Outputs outputs = new LocalLearner.Outputs() {
            @Override
            public void snapshot(byte[] key, byte[] value, long timestamp) {
                snapshots.computeIfAbsent(new String(key, StandardCharsets.UTF_8), k -> new ArrayList<>()).add(value);
            }

            @Override
            public void prediction(byte[] key, byte[] value, long timestamp) {
            }

            @Override
            public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                if (++rejected[0] > expectedRejected) {
                    throw new AssertionError("more than " + expectedRejected + " events rejected");
                }
            }
        };
        long[] fed = {0};
        try (TopicRange range = new TopicRange(config, config.inputTopic(), TopicRange.Bound.unbounded(),
                TopicRange.Bound.unbounded());
                LocalLearner learner = new LocalLearner(config, LearningObserver.NONE, outputs,
                        range.slices().size())) {
            range.forEach(record -> {
                learner.process(record.key(), record.value(), record.timestamp(), record.topic(), record.partition(),
                        record.offset());
                fed[0]++;
            });
        }
        assertEquals(expectedEvents, fed[0], "events in the input topic");
        assertEquals(expectedRejected, rejected[0], "events rejected");
        return snapshots;
    }
}
