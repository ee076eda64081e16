package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.avro.SnapshotParts;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.SnapshotLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JSON Lines snapshot file is written on a thread of its own: what goes wrong there reaches the replay, which then
 * stops, and nothing of the snapshot that failed is written.
 */
class SnapshotFileTest {

    private static final String TOPIC = "model-snapshots";

    @TempDir
    Path dir;

    @Test
    void shouldStopTheReplayWithWhatWentWrongOnTheWritersThread() throws Exception {
        Path path = dir.resolve("out.jsonl");
        SnapshotFile file = SnapshotFile.open(path, path, TOPIC, InitialModels.none());
        // A snapshot that appends part 3 to generation 2, which neither the file nor initial snapshots hold.
        ModelSnapshotPart part = new ModelSnapshotPart("m", 2L, 3, 8L,
                new NamedWeights(List.of("a"), List.of(1.0), List.of(0.1), List.of(8L)),
                new BucketWeights(List.of(), List.of(), List.of(), List.of()));
        ModelSnapshot header = header();
        file.accept(SnapshotLayout.partKey("m", 2, 3).getBytes(StandardCharsets.UTF_8),
                InertiaSerdes.modelSnapshotPart().serialize(TOPIC, part));
        assertEquals(8L, file.accept("m".getBytes(StandardCharsets.UTF_8),
                InertiaSerdes.modelSnapshot().serialize(TOPIC, header)).getVersion());

        IllegalStateException failed = assertThrows(IllegalStateException.class, file::close);
        assertTrue(failed.getMessage().contains("continues generation 2"), failed.getMessage());
        assertEquals(0, Files.size(path), "nothing of the snapshot that failed");
        // Closed once: closing again does nothing.
        file.close();
    }

    /** The header of model m at version 8, in parts 0..3 of generation 2. */
    private static ModelSnapshot header() {
        InertiaConfig config = InertiaConfig.of(Map.of());
        ModelSnapshot header = io.inertia.topology.SnapshotCodec.toSnapshot("m",
                io.inertia.model.LinearModel.empty(1), config.learner(),
                io.inertia.topology.SnapshotCodec.hyperParameters(config), 0L);
        header.setVersion(8L);
        header.setParts(new SnapshotParts(2L, 1, 4, 8L, 1L, 3L));
        return header;
    }
}
