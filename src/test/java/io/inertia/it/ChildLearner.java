package io.inertia.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code inertia run} in a child JVM ({@code java -jar target/inertia.jar run …}), so that a test can kill the learner
 * the way a crash does: {@link #kill()} sends SIGKILL, which no shutdown hook, no close and no flush survives.
 *
 * <p>Needs the shaded jar, which Maven's {@code package} phase builds before failsafe runs the integration tests.
 */
final class ChildLearner implements AutoCloseable {

    /** Exit status of a process ended by SIGKILL (signal 9) as Java reports it: 128 + 9. */
    static final int KILLED = 137;

    /** The maximum heap of a child learner unless a test asks for another. */
    static final String DEFAULT_HEAP = "384m";

    private static final Path PROJECT = Path.of(System.getProperty("inertia.projectDir", ".")).toAbsolutePath();

    private final String name;
    private final Path log;
    private final Process process;

    private ChildLearner(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code inertia run} with {@code arguments} (everything after {@code run}); its stdout and stderr go to
     * {@code log}.
     */
    static ChildLearner start(String name, Path log, List<String> arguments) throws IOException {
        return start(name, log, arguments, DEFAULT_HEAP);
    }

    /**
     * Starts {@code inertia run} with {@code arguments} in a JVM whose maximum heap is {@code maxHeap} (a {@code -Xmx}
     * value such as {@code 768m}); its stdout and stderr go to {@code log}.
     */
    static ChildLearner start(String name, Path log, List<String> arguments, String maxHeap) throws IOException {
        Path jar = PROJECT.resolve("target").resolve("inertia.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: run the integration tests through `mvn verify`, whose "
                    + "package phase builds it");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-XX:+UseSerialGC");
        command.add("-jar");
        command.add(jar.toString());
        command.add("run");
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ChildLearner(name, log, process);
    }

    /** Whether the learner still runs. */
    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Polls {@code goal} (which may also feed input) until it holds; fails, with the tail of the learner's output,
     * when the learner exits first or {@code timeout} passes.
     */
    void drive(Duration timeout, String what, BooleanSupplier goal) throws InterruptedException {
        try {
            EmbeddedKafka.await(timeout, what, () -> {
                if (!isAlive()) {
                    throw new AssertionError(this + " exited while waiting for " + what);
                }
                return goal.getAsBoolean();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logTail(), e);
        }
    }

    /** Sends SIGKILL and waits for the process to end; returns its exit status ({@link #KILLED} on Linux). */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not end within 60 s of SIGKILL");
        }
        return process.exitValue();
    }

    /** Sends SIGTERM (an orderly close) and waits up to 90 s; returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within 90 s of SIGTERM:\n" + logTail());
        }
        return process.exitValue();
    }

    /** The last lines of the learner's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return "--- last lines of " + name + " (" + log + ") ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output of " + name + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
