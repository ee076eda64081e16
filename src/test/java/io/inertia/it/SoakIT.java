package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short soak: {@code scripts/soak.sh --cycles 3} as a user runs it, on a local broker of its own. Three cycles of
 * the schedule kill an instance, stop one cleanly, restart instances with and without their state directories and
 * restart the broker (see {@code FaultSchedule}), and after each every published snapshot, prediction and dead letter
 * must equal the reference learner's over the same input.
 */
@Tag("integration")
@Timeout(value = 7, unit = TimeUnit.MINUTES)
class SoakIT {

    private static final Path PROJECT = Path.of(System.getProperty("inertia.projectDir", ".")).toAbsolutePath();
    private static final long SOAK_MINUTES = 5;

    @TempDir
    Path work;

    private Map<String, String> kafkaEnv;

    @AfterEach
    void stopBroker() throws Exception {
        // The script stops the broker it started; this is for a script killed on the timeout.
        if (kafkaEnv != null) {
            run(kafkaEnv, 2, "scripts/kafka-local.sh", "stop");
        }
    }

    @Test
    void shouldPublishEveryVersionAndDeadLetterExactlyOnceThroughKillsStopsRestartsAndABrokerRestart()
            throws Exception {
        kafkaEnv = Map.of("KAFKA_PORT", Integer.toString(freePort()), "KAFKA_CONTROLLER_PORT",
                Integer.toString(freePort()), "KAFKA_DATA_DIR", work.resolve("kafka").toString());
        Map<String, String> env = new java.util.HashMap<>(kafkaEnv);
        // mvn verify has just built target/inertia.jar and the test classes: the script must not build again.
        env.put("SOAK_SKIP_BUILD", "1");
        Result soak = run(env, SOAK_MINUTES, "scripts/soak.sh", "--cycles", "3", "--seed", "16");
        assertEquals(0, soak.code(), soak.output());

        String header = "| cycles | kills | clean handovers | restarts without state | broker restarts | events "
                + "| snapshots checked | dead letters checked | mismatches |";
        List<String> lines = soak.stdout().lines().toList();
        int at = lines.indexOf(header);
        assertTrue(at >= 0 && at + 2 < lines.size(), "the table: " + soak.output());
        long[] row = Arrays.stream(lines.get(at + 2).split("\\|")).map(String::strip).filter(cell -> !cell.isEmpty())
                .mapToLong(cell -> Long.parseLong(cell.replace(",", ""))).toArray();
        assertEquals(9, row.length, lines.get(at + 2));
        assertEquals(3, row[0], "cycles");
        assertTrue(row[1] >= 1, "kills: " + lines.get(at + 2));
        assertTrue(row[2] >= 1, "clean handovers: " + lines.get(at + 2));
        assertTrue(row[3] >= 1, "restarts without state: " + lines.get(at + 2));
        assertEquals(1, row[4], "broker restarts");
        assertTrue(row[5] > 1000, "events: " + lines.get(at + 2));
        assertTrue(row[6] > 100, "snapshots checked: " + lines.get(at + 2));
        assertTrue(row[7] > 0, "dead letters checked: " + lines.get(at + 2));
        assertEquals(0, row[8], "mismatches");
    }

    private record Result(int code, String stdout, String stderr) {
        String output() {
            return "exit " + code + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private Result run(Map<String, String> env, long minutes, String... command)
            throws IOException, InterruptedException {
        String name = "cmd-" + System.nanoTime();
        File out = work.resolve(name + ".out").toFile();
        File err = work.resolve(name + ".err").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out).redirectError(err);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            // SIGTERM: the script stops the soak, which stops its instances, and the broker it started.
            process.destroy();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            throw new AssertionError(String.join(" ", command) + " did not finish in " + minutes + " min:\n"
                    + read(out.toPath()) + read(err.toPath()));
        }
        return new Result(process.exitValue(), read(out.toPath()), read(err.toPath()));
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
