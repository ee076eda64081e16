package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotJson;
import io.inertia.replay.Replay;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaying a topic rebuilds the same models: a second learner with a new application id, reading the same input
 * topic from the beginning, publishes per model the same sequence of snapshots, byte for byte, as the learner that
 * followed the topic live; and {@code inertia replay --topic} (the learner without Kafka Streams, {@link Replay})
 * writes the same snapshots, every field of each.
 *
 * <p>The two runs differ on purpose in everything that must not matter: the first learns while the events arrive (in
 * many small batches, committing every 100 ms, one stream thread, record caches on), the second reads the complete
 * topic (two stream threads, a commit every second, no record cache).
 */
@Tag("integration")
@Timeout(value = 175, unit = TimeUnit.SECONDS)
class DeterministicReplayIT {

    private static final Logger LOG = LoggerFactory.getLogger(DeterministicReplayIT.class);

    private static final long SEED = Long.getLong("inertia.it.seed", 4_242L);
    private static final List<String> MODELS = List.of("alpha", "beta", "gamma");
    private static final int PER_MODEL = 6000;
    private static final int EVENTS = PER_MODEL * MODELS.size();
    private static final int SNAPSHOT_EVERY = 250;
    /** Small, so that the live learner sees the input arrive in many pieces. */
    private static final int WINDOW = 800;
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final String INPUT = "replay-events";
    private static final String LIVE = "replay-live";
    private static final String REPLAY = "replay-again";

    @TempDir
    Path work;

    private EmbeddedKafka kafka;
    private long started;

    @BeforeEach
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startKafka() throws Exception {
        started = System.nanoTime();
        kafka = EmbeddedKafka.start(1);
    }

    @AfterEach
    void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldRepublishTheSameSnapshotSequencesWhenANewApplicationOrAnOfflineReplayReplaysTheTopic() throws Exception {
        List<TrainingEvents.Event> events = TrainingEvents.generate(SEED, MODELS, PER_MODEL,
                System.currentTimeMillis(), INPUT);

        InertiaConfig live = config(LIVE, Map.of());
        Map<String, List<SnapshotLog.Entry>> first;
        try (EventFeeder feeder = new EventFeeder(kafka.bootstrapServers(), INPUT, events, WINDOW);
                LearnerApplication learner = new LearnerApplication(live)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(kafka.bootstrapServers(), live.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the live learner through every event",
                        () -> feeder.topUp(LIVE) == EVENTS && log.catchUp().reached(MODELS, PER_MODEL));
                first = log.byModel();
            }
        }
        log("the live learner is done");

        InertiaConfig replay = config(REPLAY, Map.of(
                StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2",
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000",
                StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0"));
        Map<String, List<SnapshotLog.Entry>> second;
        try (LearnerApplication learner = new LearnerApplication(replay)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(kafka.bootstrapServers(), replay.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the replaying learner through every event",
                        () -> log.catchUp().reached(MODELS, PER_MODEL));
                second = log.byModel();
            }
        }
        log("the replaying learner is done");

        // And offline: `inertia replay --topic` over the same input, without Kafka Streams, in this process.
        Path offline = work.resolve("replayed.jsonl");
        Replay.Summary summary = Replay.run(new Replay.TopicRequest(INPUT, TopicRange.Bound.unbounded(),
                TopicRange.Bound.unbounded(), offline, config("replay-offline", Map.of())));
        log("the offline replay is done: %s", summary);
        assertEquals(EVENTS, summary.events());
        assertEquals(0, summary.rejected());
        Map<String, List<String>> replayed = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(offline)) {
            replayed.computeIfAbsent(json.readTree(line).get("modelKey").asText(), k -> new ArrayList<>()).add(line);
        }

        List<Long> versions = LongStream.rangeClosed(1, PER_MODEL / SNAPSHOT_EVERY).map(i -> i * SNAPSHOT_EVERY)
                .boxed().toList();
        assertEquals(MODELS, List.copyOf(first.keySet()), "models of the live learner");
        assertEquals(MODELS, List.copyOf(second.keySet()), "models of the replaying learner");
        for (String model : MODELS) {
            assertEquals(versions, first.get(model).stream().map(SnapshotLog.Entry::version).toList(),
                    "snapshot versions of " + model + " (live)");
            SnapshotLog.assertSameBytes(model + ": replay vs live",
                    SnapshotLog.values(first.get(model)), SnapshotLog.values(second.get(model)));
            // The whole snapshot as replay writes it (every weight, state and metric), from the live record's bytes.
            List<String> published = first.get(model).stream()
                    .map(entry -> SnapshotJson.toLine(InertiaSerdes.modelSnapshot().deserialize("t", entry.value())))
                    .toList();
            assertEquals(published, replayed.get(model), model + ": offline replay of the topic vs live");
        }
    }

    /** Nesterov momentum with L2 over sparse named features, so that the lazy catch-up is part of what must agree. */
    private InertiaConfig config(String applicationId, Map<String, String> runtime) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.partitions", "3");
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put("inertia.optimizer", "nesterov");
        settings.put("inertia.l2", "0.001");
        settings.put("inertia.topic.snapshots", applicationId + "-snapshots");
        settings.put("inertia.topic.predictions", applicationId + "-predictions");
        settings.put("inertia.topic.dead-letters", applicationId + "-dead-letters");
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve(applicationId).toString());
        settings.putAll(runtime);
        return InertiaConfig.of(kafka.settings(settings));
    }

    private void log(String format, Object... arguments) {
        LOG.info("[{} s] {}", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
                String.format(Locale.ROOT, format, arguments));
    }
}
