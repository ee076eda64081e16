package io.inertia.replay;

import io.inertia.avro.InputPosition;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.config.InertiaConfig;
import io.inertia.io.InputFileException;
import io.inertia.runtime.SnapshotReader;
import io.inertia.topology.SnapshotAssembler;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The models a replay starts from (warm start): the latest snapshot of each, as published, from the live snapshot
 * topic or from a replay's Avro output. Each snapshot records the input position of the last event it reflects; the
 * replay skips a model's events up to and including that position (same topic, same partition, offset at most that),
 * so that it continues exactly after it. Models without a snapshot start empty, as in any replay.
 */
public final class InitialModels {

    private final SortedMap<String, SnapshotAssembler.Published> models;
    /** Per model key, the position up to which its events are already in its snapshot. */
    private final Map<String, InputPosition> positions = new HashMap<>();

    private InitialModels(SortedMap<String, SnapshotAssembler.Published> models) {
        this.models = Collections.unmodifiableSortedMap(models);
        models.forEach((key, published) -> {
            InputPosition position = published.header().getInputPosition();
            if (position != null) {
                positions.put(key, position);
            }
        });
    }

    /** No model: a replay from scratch. */
    public static InitialModels none() {
        return new InitialModels(new TreeMap<>());
    }

    /** The latest snapshot of every model in {@code topic}, read to its current end with {@code config}'s client. */
    public static InitialModels fromTopic(InertiaConfig config, String topic) {
        try (SnapshotReader reader = new SnapshotReader(config, topic)) {
            return new InitialModels(reader.latestPublished());
        }
    }

    /**
     * The latest snapshot of every model in {@code file}, an Avro snapshot file of {@code inertia replay}.
     *
     * @throws InputFileException when it is not one (JSON Lines snapshots hold every weight brought up to date and
     *     not the learner's full state, so they cannot resume it exactly), or a snapshot lacks a part
     */
    public static InitialModels fromFile(Path file) {
        if (!RecordFile.isAvro(file)) {
            throw new InputFileException(file.toString(), "initial snapshots must be an .avro output of inertia "
                    + "replay (a JSON line is a summary, not the learner's full state) or the snapshot topic");
        }
        SnapshotAssembler assembler = new SnapshotAssembler();
        SnapshotFile.read(file, record -> {
            if (record instanceof ModelSnapshotPart part) {
                assembler.takePart(part);
            } else {
                assembler.takeHeader((ModelSnapshot) record);
            }
        });
        SortedMap<String, SnapshotAssembler.Published> latest = assembler.latestPublished();
        if (!assembler.incomplete().isEmpty()) {
            throw new InputFileException(file.toString(), assembler.incomplete().get(0));
        }
        return new InitialModels(latest);
    }

    /** The snapshots, by model key. */
    public Collection<SnapshotAssembler.Published> snapshots() {
        return models.values();
    }

    /** The number of models. */
    public int size() {
        return models.size();
    }

    /**
     * Whether the event of {@code modelKey} at {@code topic}/{@code partition}/{@code offset} is already in that
     * model's initial snapshot.
     */
    public boolean covers(String modelKey, String topic, int partition, long offset) {
        InputPosition position = positions.get(modelKey);
        return position != null && position.getPartition() == partition && offset <= position.getOffset()
                && position.getTopic().equals(topic);
    }

    /** Whether any initial snapshot records a position (and so events may be skipped). */
    boolean hasPositions() {
        return !positions.isEmpty();
    }
}
