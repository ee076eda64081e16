package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia replay --input EVENTS --outcomes OUTCOMES}: the raw events and outcomes through the outcome joiner,
 * with the window and default label given on the command line (the hand-computed case of {@code JoinedReplayTest}).
 */
class ReplayOutcomesCommandTest {

    @TempDir
    Path dir;

    private Path events;
    private Path outcomes;
    private Path output;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeFiles() throws Exception {
        events = dir.resolve("events.jsonl");
        Files.write(events, List.of(
                "{\"timestamp\": 0, \"key\": \"m\", \"id\": \"e1\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e2\", \"features\": {\"a\": 2}, \"label\": 1}",
                "{\"timestamp\": 1500, \"key\": \"m\", \"id\": \"e3\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1800, \"key\": \"m\", \"id\": \"e4\", \"features\": {\"a\": 1}}"),
                StandardCharsets.UTF_8);
        outcomes = dir.resolve("outcomes.jsonl");
        Files.write(outcomes, List.of(
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e1\", \"label\": 1}",
                "{\"timestamp\": 2800, \"key\": \"m\", \"id\": \"e4\", \"label\": 1}"), StandardCharsets.UTF_8);
        output = dir.resolve("snapshots.jsonl");
    }

    @Test
    void shouldReplayEventsAndOutcomesWithTheWindowAndDefaultLabelGiven() throws Exception {
        // W = 1000: e1 and e4 joined, e3 defaulted; w_a = 0.2662, b = 0.1962 after 4 updates (see JoinedReplayTest).
        assertEquals(0, replay("--window-ms", "1000"), err.toString());
        JsonNode last = lastSnapshot();
        assertEquals(4, last.get("version").asLong());
        assertEquals(0.2662, last.get("weights").get("a").asDouble(), 1e-12);
        assertEquals(0.1962, last.get("bias").asDouble(), 1e-12);
        String summary = out.toString().strip();
        String expected = "replayed 6 records (events and outcomes) through the outcome joiner into 1 model(s); "
                + "wrote 4 snapshots to " + output + "; ";
        assertTrue(summary.startsWith(expected), summary);
        assertTrue(summary.substring(expected.length()).matches("\\d+\\.\\d\\d s, \\d+ records/s"), summary);

        // What if W were 600: e1, e3 and e4 defaulted, both outcomes late (dead letters, as live).
        out.getBuffer().setLength(0);
        assertEquals(0, replay("--window-ms", "600"), err.toString());
        last = lastSnapshot();
        assertEquals(0.146, last.get("weights").get("a").asDouble(), 1e-12);
        assertEquals(0.046, last.get("bias").asDouble(), 1e-12);
        assertTrue(out.toString().contains("; 2 dead letters (as live: outcomes not joined, bad records); "),
                out.toString());
    }

    @Test
    void shouldRefuseOutcomesWithoutTheirEventsWithExitCodeTwo() {
        int status = run("replay", "--topic", "labeled-events", "--outcomes", outcomes.toString(), "--output",
                output.toString());
        assertEquals(2, status);
        List<String> lines = errLines();
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("inertia replay: --outcomes goes with --input"), lines.get(0));
        assertFalse(Files.exists(output));
    }

    @Test
    void shouldRefuseAWindowWithoutOutcomesWithExitCodeTwo() {
        int status = run("replay", "--input", events.toString(), "--output", output.toString(), "--window-ms", "5");
        assertEquals(2, status);
        assertEquals(List.of("inertia replay: --window-ms, --default-label and --default-weight go with "
                + "--outcomes-topic or --outcomes (see 'inertia replay --help')"), errLines());
    }

    private int replay(String... options) {
        List<String> args = new ArrayList<>(List.of("replay", "--input", events.toString(), "--outcomes",
                outcomes.toString(), "--output", output.toString(), "--default-label", "0", "--learning-rate", "0.1",
                "--momentum", "0", "--snapshot-every", "1"));
        args.addAll(List.of(options));
        return run(args.toArray(String[]::new));
    }

    private JsonNode lastSnapshot() throws Exception {
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    private int run(String... args) {
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            return InertiaCommand.execute(outWriter, errWriter, args);
        }
    }

    private List<String> errLines() {
        List<String> lines = new ArrayList<>(Arrays.asList(err.toString().split("\\R")));
        lines.removeIf(String::isBlank);
        return lines;
    }
}
