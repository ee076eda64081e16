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
 * topic or from a replay's output (Avro or JSON Lines). Each snapshot records the input position of the last event it
 * reflects; the replay skips a model's events up to and including that position (same topic, same partition, offset
 * at most that), so that it continues exactly after it. Models without a snapshot start empty, as in any replay.
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
     * The latest snapshot of every model in {@code file}, an output of {@code inertia replay}: Avro, or JSON Lines,
     * whose lines hold the learner's state as exactly as the Avro records (a whole line every weight as the learner
     * held it once it published it whole, a line in parts every weight as of its last update with the version it is
     * current to).
     *
     * @throws InputFileException when it is not one, a snapshot lacks a part, or a JSON line lacks part of the
     *     learner's state (a line of an older release, every weight brought up to date)
     */
    public static InitialModels fromFile(Path file) {
        SnapshotAssembler assembler = new SnapshotAssembler();
        SnapshotFile.read(file, true, record -> {
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

    /**
     * Parts 0..{@code count}−1 of generation {@code generation} of the initial snapshot of {@code modelKey}: what a
     * model that continues that generation published before the replay began.
     *
     * @throws IllegalStateException when its initial snapshot has no such parts
     */
    java.util.List<ModelSnapshotPart> parts(String modelKey, long generation, int count) {
        SnapshotAssembler.Published published = models.get(modelKey);
        if (published == null || published.header().getParts() == null
                || published.header().getParts().getGeneration() != generation || published.parts().size() < count) {
            throw new IllegalStateException("the snapshot of '" + modelKey + "' continues generation " + generation
                    + " of parts that neither the output nor its initial snapshots hold");
        }
        return published.parts().subList(0, count);
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
