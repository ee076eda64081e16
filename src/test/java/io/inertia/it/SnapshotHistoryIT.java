package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.config.InertiaConfig;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root cause of issue 16's lost snapshot version: events with old timestamps (a replay of history, or the tests'
 * events from 1970) made the broker compact the snapshot topic within seconds. Every snapshot record carried its
 * event's timestamp, the first transaction marker the broker's clock; the gap exceeded {@code segment.ms}, so the
 * broker rolled the partition's first segment at that marker and the log cleaner compacted it, dropping the older of
 * two versions of a model published in the same segment. A reader from the beginning then missed that version.
 *
 * <p>Two learners learn the same 60 events of one model, a snapshot after each: one on a snapshot topic created as
 * before this fix (compacted, the records' own timestamps), whose loss shows that the cleaner did run; one on the topic
 * Inertia creates now (the broker's append time, a compaction lag), which keeps every version. The broker's cleaner
 * checks every 200 ms instead of 15 s, so that the test need not wait.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SnapshotHistoryIT {

    private static final int EVENTS = 60;
    private static final String MODEL = "model-0";
    private static final Duration PHASE = Duration.ofSeconds(90);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1, Map.of("log.cleaner.backoff.ms", "200"));

    @TempDir
    Path work;

    @Test
    void shouldKeepEverySnapshotVersionOfEventsFromLongAgoReadable() throws Exception {
        InertiaConfig before = config("before-the-fix");
        InertiaConfig now = config("as-created-now");
        // As release 0.4 created it: compacted, with the timestamps of the records as produced.
        cluster.admin().createTopics(List.of(new NewTopic(before.snapshotTopic(), 1, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                .all().get(30, TimeUnit.SECONDS);
        KafkaSetup.ensureTopics(before);
        KafkaSetup.ensureTopics(now);
        // Timestamps from 1,000,000 ms on: 1970, as far in the past as any replay of history.
        List<TrainingEvents.Event> events = TrainingEvents.generate(3L, List.of(MODEL), EVENTS, 1_000_000L,
                before.inputTopic());
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), before.inputTopic(), events,
                events.size())) {
            feeder.sendAll();
        }
        List<Long> every = new ArrayList<>();
        for (long version = 1; version <= EVENTS; version++) {
            every.add(version);
        }
        try (LearnerApplication first = new LearnerApplication(before);
                LearnerApplication second = new LearnerApplication(now)) {
            first.start();
            second.start();
            try (SnapshotLog old = new SnapshotLog(cluster.bootstrapServers(), before.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the last snapshot on the old topic", () ->
                        old.catchUp().reached(List.of(MODEL), EVENTS));
            }
            EmbeddedKafka.await(PHASE, "the log cleaner compacting the old topic", () -> {
                try (SnapshotLog fresh = new SnapshotLog(cluster.bootstrapServers(), before.snapshotTopic(), true)) {
                    return fresh.catchUp().entries().size() < EVENTS;
                }
            });
            try (SnapshotLog kept = new SnapshotLog(cluster.bootstrapServers(), now.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the last snapshot", () -> kept.catchUp().reached(List.of(MODEL), EVENTS));
                assertEquals(every, kept.entries().stream().map(SnapshotLog.Entry::version).toList(),
                        "every version, once, in order, after the cleaner compacted the topic of the old layout");
            }
        }
    }

    private InertiaConfig config(String application) {
        Map<String, String> settings = KafkaFixture.application(application, work);
        settings.put("inertia.snapshot-every", "1");
        // One transaction for all the events, so that the first segment holds many versions of the model.
        settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "5000");
        return cluster.config(settings);
    }
}
