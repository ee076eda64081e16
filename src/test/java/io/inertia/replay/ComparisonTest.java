package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia compare} reads every form a replay writes, and the final weights it compares are exact: the JSON
 * lines of a model in parts, which hold per snapshot only the weights updated since the one before, give the same final
 * model as the whole lines the release before wrote of the same replay (kept in {@code whole-lines/}: every weight
 * brought up to date by that release's own code) and as the Avro records.
 */
class ComparisonTest {

    @TempDir
    Path dir;

    @Test
    void shouldFindNoDifferenceBetweenTheLinesInPartsTheAvroRecordsAndTheWholeLinesOfTheReleaseBefore()
            throws Exception {
        Path events = resource("wide-events.jsonl");
        Path older = resource("wide-snapshots.jsonl");
        // The settings the older file was written with (whole-lines/README.md).
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.snapshot-every", "40", "inertia.learning-rate", "0.05",
                "inertia.l2", "0.01", "inertia.max-record-bytes", "65536"));
        Path lines = dir.resolve("now.jsonl");
        Path avro = dir.resolve("now.avro");
        for (Path output : List.of(lines, avro)) {
            Replay.run(new Replay.Request(events, new EventFile.Layout("label", null, null), 1, output, config));
        }

        Comparison comparison = Comparison.of(List.of(older, lines, avro));

        assertEquals(List.of("wide-snapshots.jsonl", "now.jsonl", "now.avro"), comparison.runs());
        Comparison.Entry base = comparison.rows().get(0).entry();
        assertEquals(60, base.version());
        assertTrue(base.parameters().size() > 150, base.parameters().size() + " parameters");
        for (Comparison.Row row : comparison.rows().subList(1, 3)) {
            assertEquals(0.0, row.largestWeightDifference(), row.run());
            assertEquals(0.0, row.meanLossChangePercent(), row.run());
            assertEquals(base.parameters(), row.entry().parameters(), row.run());
            assertEquals(base.metrics(), row.entry().metrics(), row.run());
            assertEquals(base.windowMeanLoss(), row.entry().windowMeanLoss(), row.run());
        }
        // Both forms hold a whole snapshot (version 40) and one in parts (version 60): both kinds of line are read.
        assertEquals(2, java.nio.file.Files.readAllLines(lines).size());
        assertTrue(java.nio.file.Files.readAllLines(lines).get(1).contains("\"parts\":{"));
        assertTrue(!java.nio.file.Files.readAllLines(lines).get(0).contains("\"parts\":{"));
    }

    private static Path resource(String name) throws Exception {
        return Path.of(ComparisonTest.class.getResource("/whole-lines/" + name).toURI());
    }
}
