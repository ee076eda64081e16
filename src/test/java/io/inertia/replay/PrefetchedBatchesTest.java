package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.io.EventBatch;
import io.inertia.io.EventFile;
import io.inertia.io.InputFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrefetchedBatchesTest {

    private static final EventFile.Layout LAYOUT = new EventFile.Layout("y", null, "default");

    @TempDir
    Path dir;

    @AfterEach
    void noReaderIsLeft() {
        assertEquals(List.of(), readers());
    }

    @Test
    void shouldHandOutEveryRowInFileOrderEpochAfterEpoch() throws Exception {
        Path input = rows("rows.csv", 1_000, -1);
        List<Long> lines = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        try (PrefetchedBatches batches = new PrefetchedBatches(input, LAYOUT, 3, 7, 2)) {
            for (EventBatch batch = batches.next(); batch != null; batch = batches.next()) {
                assertTrue(batch.size() > 0);
                assertEquals(input.toString(), batches.file());
                for (int i = 0; i < batch.size(); i++) {
                    lines.add(batch.line(i));
                    values.add(batch.value(i));
                }
            }
            assertNull(batches.next());
        }
        // Lines 2 … 1001, three times; each value as the file's own reader writes it.
        assertEquals(3_000, lines.size());
        List<byte[]> once = sequential(input);
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(2 + i % 1_000, lines.get(i));
            assertArrayEquals(once.get(i % 1_000), values.get(i), "row " + i);
        }
    }

    @Test
    void shouldRaiseAMalformedRowOnlyAfterTheRowsBeforeIt() throws Exception {
        // Row 500 (line 501) is malformed: the 499 rows before it come first, then the reader's own exception.
        Path input = rows("bad.csv", 1_000, 500);
        InputFileException expected = assertThrows(InputFileException.class, () -> sequential(input));
        List<Long> lines = new ArrayList<>();
        try (PrefetchedBatches batches = new PrefetchedBatches(input, LAYOUT, 2, 64, 2)) {
            InputFileException e = assertThrows(InputFileException.class, () -> {
                for (EventBatch batch = batches.next(); batch != null; batch = batches.next()) {
                    for (int i = 0; i < batch.size(); i++) {
                        lines.add(batch.line(i));
                    }
                }
            });
            assertEquals(expected.getMessage(), e.getMessage());
            assertEquals(input + ":501: column 'y' is 'oops', not a number", e.getMessage());
            assertNull(batches.next());
        }
        assertEquals(499, lines.size());
        assertEquals(500, lines.get(lines.size() - 1));
    }

    @Test
    void shouldStopTheReaderWhenClosedBeforeTheEnd() throws Exception {
        Path input = rows("long.csv", 20_000, -1);
        try (PrefetchedBatches batches = new PrefetchedBatches(input, LAYOUT, 5, 16, 1)) {
            assertEquals(16, batches.next().size());
            assertFalse(readers().isEmpty());
        }
        // noReaderIsLeft: close() waited for it.
    }

    @Test
    void shouldGiveUpWaitingWhenInterruptedAndKeepTheInterrupt() throws Exception {
        Path input = rows("rows.csv", 100, -1);
        try (PrefetchedBatches batches = new PrefetchedBatches(input, LAYOUT, 1, 16, 1)) {
            Thread.currentThread().interrupt();
            assertThrows(CancellationException.class, batches::next);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            assertTrue(Thread.interrupted()); // close() kept it too
        }
    }

    @Test
    void shouldLeaveNoReaderWhenAReplayStopsAtARejectedEvent() throws Exception {
        Path input = write("labels.csv", "x,label\n" + "1.0,1\n".repeat(10_000) + "3.0,2\n" + "1.0,0\n".repeat(10_000));
        InputFileException e = assertThrows(InputFileException.class, () -> Replay.run(new Replay.Request(input,
                new EventFile.Layout("label", null, "default"), 1, dir.resolve("out.jsonl"),
                InertiaConfig.of(Map.of("inertia.loss", "logistic")))));
        assertTrue(e.getMessage().startsWith(input + ":10002: "), e.getMessage());
    }

    @Test
    void shouldRaiseAHeaderProblemAtTheFirstBatch() throws Exception {
        Path input = rows("rows.csv", 10, -1);
        try (PrefetchedBatches batches = new PrefetchedBatches(input, new EventFile.Layout("label", null, "m"), 2, 4,
                1)) {
            InputFileException e = assertThrows(InputFileException.class, batches::next);
            assertEquals(input + ":1: no label column 'label' in header [x, y]", e.getMessage());
        }
    }

    private static List<String> readers() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("inertia-replay-reader") && thread.isAlive()) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    /** What a reader on the caller's thread hands out, row by row. */
    private static List<byte[]> sequential(Path input) {
        List<byte[]> values = new ArrayList<>();
        try (EventFile file = EventFile.open(input, LAYOUT)) {
            boolean more = true;
            while (more) {
                EventBatch batch = new EventBatch(100);
                more = file.fill(batch);
                for (int i = 0; i < batch.size(); i++) {
                    values.add(batch.value(i));
                }
            }
        }
        return values;
    }

    /** {@code count} rows x, y after the header; the row numbered {@code bad} (from 1) has a label that is text. */
    private Path rows(String name, int count, int bad) throws Exception {
        StringBuilder csv = new StringBuilder("x,y\n");
        for (int i = 1; i <= count; i++) {
            csv.append(i * 0.5).append(',').append(i == bad ? "oops" : Integer.toString(i % 7)).append('\n');
        }
        return write(name, csv.toString());
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
