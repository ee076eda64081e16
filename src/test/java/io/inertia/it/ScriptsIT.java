package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts as a user runs them, on a real local broker: {@code kafka-local.sh start} → {@code inertia produce} →
 * {@code inertia run} → {@code inertia snapshots} → {@code kafka-local.sh stop}.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ScriptsIT {

    private static final Path PROJECT = Path.of(System.getProperty("inertia.projectDir", ".")).toAbsolutePath();
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path work;

    private final List<Process> started = new ArrayList<>();
    private Map<String, String> kafkaEnv;

    @AfterEach
    void stopEverything() throws Exception {
        for (Process process : started) {
            process.destroyForcibly().waitFor();
        }
        if (kafkaEnv != null) {
            script(kafkaEnv, "scripts/kafka-local.sh", "stop");
        }
    }

    @Test
    void shouldLearnFromAFileThroughTheScriptsOnALocalBroker() throws Exception {
        int port = freePort();
        kafkaEnv = Map.of("KAFKA_PORT", Integer.toString(port), "KAFKA_CONTROLLER_PORT", Integer.toString(freePort()),
                "KAFKA_DATA_DIR", work.resolve("kafka").toString(), "KAFKA_START_TIMEOUT", "120");
        String bootstrap = "127.0.0.1:" + port;

        Result start = script(kafkaEnv, "scripts/kafka-local.sh", "start");
        assertEquals(0, start.code(), start.output());
        assertEquals(0, script(kafkaEnv, "scripts/kafka-local.sh", "start").code(), "a second start is a no-op");
        assertEquals(0, script(kafkaEnv, "scripts/kafka-local.sh", "status").code());

        // examples/linear.csv: y = 3·x1 − 2·x2 + 0.5 + N(0, 0.1²) (examples/README.md), 5000 rows.
        Result produce = script(Map.of(), "scripts/inertia", "produce", "--bootstrap-servers", bootstrap,
                "--input", "examples/linear.csv", "--label", "y", "--model-key", "linear");
        assertEquals(0, produce.code(), produce.output());
        assertTrue(produce.stdout().contains("sent 5000 events"), produce.stdout());

        Process run = background("scripts/inertia", "run", "--bootstrap-servers", bootstrap,
                "--application-id", "scripts-it", "--state-dir", work.resolve("state").toString(),
                "--property", "inertia.progress-interval-ms=1000");

        JsonNode latest = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (latest == null || latest.get("version").asLong() < 5000) {
            assertTrue(System.nanoTime() < deadline, "no snapshot at version 5000 in time; last: " + latest);
            assertTrue(run.isAlive(), "inertia run exited early: " + read(work.resolve("run.err")));
            Result snapshots = script(Map.of(), "scripts/inertia", "snapshots", "--bootstrap-servers", bootstrap,
                    "--model-key", "linear");
            assertEquals(0, snapshots.code(), snapshots.output());
            String line = snapshots.stdout().strip();
            latest = line.isEmpty() ? null : new ObjectMapper().readTree(line);
        }
        assertEquals("linear", latest.get("modelKey").asText());
        assertEquals(3.0, latest.get("weights").get("x1").asDouble(), 0.05);
        assertEquals(-2.0, latest.get("weights").get("x2").asDouble(), 0.05);
        assertEquals(0.5, latest.get("bias").asDouble(), 0.05);

        run.destroy(); // SIGTERM
        assertTrue(run.waitFor(90, TimeUnit.SECONDS), "inertia run did not stop on SIGTERM");
        assertEquals(0, run.exitValue(), "inertia run exits 0 after SIGTERM: " + read(work.resolve("run.err")));
        assertTrue(read(work.resolve("run.err")).contains("learned 5000 events"),
                "progress line with the event count: " + read(work.resolve("run.err")));

        Result stop = script(kafkaEnv, "scripts/kafka-local.sh", "stop");
        assertEquals(0, stop.code(), stop.output());
        assertNotEquals(0, script(kafkaEnv, "scripts/kafka-local.sh", "status").code(), "status after stop");

        Result unreachable = script(Map.of(), "scripts/inertia", "run", "--bootstrap-servers", bootstrap,
                "--property", "inertia.startup-timeout-ms=3000", "--state-dir", work.resolve("state2").toString());
        assertEquals(1, unreachable.code(), unreachable.output());
        assertTrue(unreachable.stderr().contains("cannot reach Kafka at " + bootstrap), unreachable.stderr());
    }

    @Test
    void shouldShowAProgressBarOnATerminalAndNothingOnAPipe() throws Exception {
        Path csv = work.resolve("events.csv");
        StringBuilder rows = new StringBuilder("x,y\n");
        for (int i = 0; i < 20_000; i++) {
            double x = (i % 7) / 7.0;
            rows.append(x).append(',').append(2 * x + 1).append('\n');
        }
        Files.writeString(csv, rows, StandardCharsets.UTF_8);
        String[] replay = {"scripts/inertia", "replay", "--input", csv.toString(), "--label", "y", "--output",
            work.resolve("out.jsonl").toString()};

        Result piped = script(Map.of(), replay);
        assertEquals(0, piped.code(), piped.output());
        assertEquals("", piped.stderr(), "nothing but errors on a pipe");

        // util-linux `script` runs the command on a pseudo-terminal, as a user's shell would.
        Assumptions.assumeTrue(new File("/usr/bin/script").canExecute(),
                "util-linux `script` is not installed: the terminal half of this test is skipped");
        Result terminal = script(Map.of(), "/usr/bin/script", "-qec", String.join(" ", replay),
                work.resolve("typescript").toString());
        assertEquals(0, terminal.code(), terminal.output());
        String screen = read(work.resolve("typescript"));
        assertTrue(screen.contains("replay events.csv") && screen.contains("20000/20000 events"),
                "the bar on the terminal: " + screen);
    }

    @Test
    void shouldSendClicksInTimeOrderWithTheOutcomeFirstOnATie() throws Exception {
        Path events = work.resolve("events.jsonl");
        Path outcomes = work.resolve("outcomes.jsonl");
        Files.writeString(events, """
                {"timestamp": 1000, "key": "m", "id": "e1", "features": {"x1": 0.5}}
                {"timestamp": 2000, "key": "m", "id": "e2", "features": {"x1": -1}}
                {"timestamp": 3000, "key": "n", "id": "e3", "features": {"x1": 2}}
                """, StandardCharsets.UTF_8);
        // Two outcomes at 3000 in the file's order z, a: a tie keeps it (no sort by content).
        Files.writeString(outcomes, """
                {"timestamp": 500, "key": "m", "id": "u1", "label": 1}
                {"timestamp": 2000, "key": "m", "id": "e2", "label": 1}
                {"timestamp": 3000, "key": "n", "id": "z", "label": 1}
                {"timestamp": 3000, "key": "n", "id": "a", "label": 1}
                {"timestamp": 3001, "key": "n", "id": "e3", "label": 1}
                """, StandardCharsets.UTF_8);

        Result merged = script(Map.of(), "scripts/send-clicks.sh", events.toString(), outcomes.toString(),
                "--dry-run", "--events-topic", "ev");
        assertEquals(0, merged.code(), merged.output());
        assertEquals("""
                outcomes\tm\t{"key":"m","id":"u1","label":1}
                ev\tm\t{"key":"m","id":"e1","features":{"x1":0.5}}
                outcomes\tm\t{"key":"m","id":"e2","label":1}
                ev\tm\t{"key":"m","id":"e2","features":{"x1":-1}}
                outcomes\tn\t{"key":"n","id":"z","label":1}
                outcomes\tn\t{"key":"n","id":"a","label":1}
                ev\tn\t{"key":"n","id":"e3","features":{"x1":2}}
                outcomes\tn\t{"key":"n","id":"e3","label":1}
                """, merged.stdout());

        Result badSpeed = script(Map.of(), "scripts/send-clicks.sh", events.toString(), outcomes.toString(),
                "--speed", "0");
        assertEquals(2, badSpeed.code(), badSpeed.output());
        assertEquals("send-clicks: --speed must be a number above 0, not '0'\n", badSpeed.stderr());
    }

    private record Result(int code, String stdout, String stderr) {
        String output() {
            return "exit " + code + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private Result script(Map<String, String> env, String... command) throws IOException, InterruptedException {
        String name = "cmd-" + System.nanoTime();
        File out = work.resolve(name + ".out").toFile();
        File err = work.resolve(name + ".err").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out).redirectError(err);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT);
        }
        return new Result(process.exitValue(), read(out.toPath()), read(err.toPath()));
    }

    private Process background(String... command) throws IOException {
        Process process = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(work.resolve("run.out").toFile())
                .redirectError(work.resolve("run.err").toFile())
                .start();
        started.add(process);
        return process;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
