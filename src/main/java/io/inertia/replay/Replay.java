package io.inertia.replay;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.io.InputFileException;
import io.inertia.io.SnapshotJson;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.DeadLetterHeaders;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotAssembler;
import io.inertia.topology.SnapshotCodec;
import java.util.List;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Feeds the events of a file, in file order and {@code epochs} times over, through {@link InertiaTopology} driven by
 * a {@link TopologyTestDriver}, and writes every snapshot it publishes as a JSON line. After the last event, every
 * model whose final state was not just published gets a final snapshot, so the file always ends with each model's
 * final state.
 *
 * <p>Event i (0-based, counting across epochs) gets record timestamp i ms, so a replay is a pure function of its
 * file and settings. The output is written to a temporary file and moved into place only when the whole replay
 * succeeded; a malformed row, or an event the learner rejects, stops the replay with its line number.
 */
public final class Replay {

    /**
     * What to replay.
     *
     * @param input the event file
     * @param layout how its rows become events
     * @param epochs how many passes over the file (≥ 1)
     * @param output the JSON Lines file to write
     * @param config learner settings
     */
    public record Request(Path input, EventFile.Layout layout, int epochs, Path output, InertiaConfig config) {
    }

    /**
     * What a replay did.
     *
     * @param events events learned from
     * @param snapshots snapshot lines written
     * @param models number of distinct models
     */
    public record Summary(long events, long snapshots, int models) {
    }

    private Replay() {
    }

    /** Runs {@code request}; see the class documentation. */
    public static Summary run(Request request) {
        if (request.epochs() < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + request.epochs());
        }
        InertiaConfig config = request.config();
        Path stateDir = createTempDir("inertia-replay-state");
        Path target = request.output().toAbsolutePath();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        boolean complete = false;
        try (TopologyTestDriver driver = new TopologyTestDriver(
                InertiaTopology.build(config, LearningObserver.NONE), driverProperties(config, stateDir));
                BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            TestInputTopic<String, byte[]> events = driver.createInputTopic(config.inputTopic(),
                    new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> snapshots = driver.createOutputTopic(config.snapshotTopic(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            SnapshotAssembler assembler = new SnapshotAssembler();
            TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(config.deadLetterTopic(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            var eventSerde = InertiaSerdes.labeledEvent();
            Map<String, Long> lastWritten = new HashMap<>();
            long eventCount = 0;
            long lines = 0;
            for (int epoch = 0; epoch < request.epochs(); epoch++) {
                try (EventFile file = EventFile.open(request.input(), request.layout())) {
                    while (file.hasNext()) {
                        EventFile.Row row = file.next();
                        String key = row.event().getModelKey();
                        events.pipeInput(key, eventSerde.serialize(config.inputTopic(), row.event()), eventCount++);
                        if (!deadLetters.isEmpty()) {
                            throw new InputFileException(file.name(), row.line(), reasonOf(deadLetters.readRecord()));
                        }
                        while (!snapshots.isEmpty()) {
                            TestRecord<byte[], byte[]> published = snapshots.readRecord();
                            var whole = assembler.accept(config.snapshotTopic(), published.key(), published.value());
                            if (whole.isPresent()) {
                                writeLine(out, whole.get());
                                lastWritten.put(whole.get().getModelKey(), whole.get().getVersion());
                                lines++;
                            }
                        }
                    }
                }
            }
            ModelStore store = ModelStore.open(driver::getKeyValueStore, config);
            List<String> keys = store.modelKeys();
            for (String key : keys) {
                ModelSnapshot model = store.snapshot(key);
                if (!Long.valueOf(model.getVersion()).equals(lastWritten.get(key))) {
                    writeLine(out, model);
                    lines++;
                }
            }
            int models = keys.size();
            out.flush();
            out.close();
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            complete = true;
            return new Summary(eventCount, lines, models);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (!complete) {
                deleteQuietly(partial);
            }
            deleteRecursively(stateDir);
        }
    }

    private static Properties driverProperties(InertiaConfig config, Path stateDir) {
        Properties properties = new Properties();
        properties.putAll(config.kafka());
        properties.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, "inertia-replay");
        properties.putIfAbsent(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "replay.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        properties.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        return properties;
    }

    private static void writeLine(BufferedWriter out, ModelSnapshot snapshot) throws IOException {
        out.write(SnapshotJson.toLine(snapshot));
        out.newLine();
    }

    private static String reasonOf(TestRecord<byte[], byte[]> deadLetter) {
        Header reason = deadLetter.headers().lastHeader(DeadLetterHeaders.REASON);
        return reason == null ? "event rejected" : new String(reason.value(), StandardCharsets.UTF_8);
    }

    private static Path createTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: a leftover .partial file is never mistaken for a result
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(Replay::deleteQuietly);
        } catch (IOException ignored) {
            // best effort: temporary state only
        }
    }
}
