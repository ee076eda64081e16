package io.inertia.soak;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@code inertia run} instance of the soak's application: a child JVM ({@code java -jar target/inertia.jar run}) with
 * a state directory of its own, which the soak SIGKILLs, SIGTERMs and starts again, with or without that directory.
 * Each start (an incarnation) logs to a file of its own.
 */
final class LearnerInstance {

    /** Exit status of a JVM ended by SIGKILL: 128 + 9. */
    static final int KILLED = 137;
    /** How long a clean stop may take: Inertia's own close waits up to 60 s. */
    private static final long STOP_GRACE_SECONDS = 90;

    private final String name;
    private final List<String> command;
    private final Path stateDir;
    private final Path logDir;
    private Process process;
    private Path log;
    private int incarnation;

    /**
     * An instance called {@code name} that runs {@code java jvmOptions -jar jar run runArguments --state-dir stateDir}.
     */
    LearnerInstance(String name, Path jar, List<String> jvmOptions, List<String> runArguments, Path stateDir,
            Path logDir) {
        this.name = name;
        this.stateDir = stateDir;
        this.logDir = logDir;
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        line.addAll(jvmOptions);
        line.addAll(List.of("-jar", jar.toString(), "run"));
        line.addAll(runArguments);
        line.addAll(List.of("--state-dir", stateDir.toString()));
        this.command = List.copyOf(line);
    }

    String name() {
        return name;
    }

    /** Starts a new incarnation; the previous one must have ended. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        incarnation++;
        log = logDir.resolve(name + "-" + incarnation + ".log");
        try {
            Files.createDirectories(logDir);
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new SoakFailure("cannot start instance " + name + ": " + e.getMessage());
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** The exit status of the last incarnation, or -1 while it runs or before the first. */
    synchronized int exitStatus() {
        return process == null || process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL, the way a crash ends a process: no shutdown hook, no close, no flush. */
    synchronized void kill() {
        process.destroyForcibly();
        await(60, "SIGKILL");
    }

    /**
     * SIGTERM: {@code inertia run} closes Kafka Streams and leaves the group. Returns its exit status, which is 0 for a
     * clean close; SIGKILL follows if it has not ended within {@value #STOP_GRACE_SECONDS} s (and -1 is returned).
     */
    synchronized int stop() {
        if (process == null || !process.isAlive()) {
            return exitStatus();
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                await(60, "SIGKILL after an unanswered SIGTERM");
                return -1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return process.exitValue();
    }

    /** Deletes the state directory, as a machine that lost its disk would come back; only while stopped. */
    synchronized void deleteState() {
        if (alive()) {
            throw new IllegalStateException(name + " is running");
        }
        if (!Files.exists(stateDir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(stateDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + stateDir, e);
        }
    }

    /**
     * The static group member id this instance joins with, which {@code inertia run} keeps in its state directory
     * (LearnerApplication's {@code inertia-instance-id-<application id>}); null until the instance wrote it.
     */
    String groupInstanceId(String applicationId) {
        Path file = stateDir.resolve("inertia-instance-id-" + applicationId);
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The log of the current (or last) incarnation. */
    synchronized Path log() {
        return log;
    }

    /** The last ERROR line's cause in the current incarnation's log, or its last line; for reports. */
    synchronized String failureLine() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(" ERROR ")) {
                    String line = lines.get(i);
                    for (int j = i + 1; j < lines.size() && lines.get(j).matches("^(\\s+at |Caused by: |\\s*\\.\\.\\.|\\S+(Exception|Error)).*"); j++) {
                        if (lines.get(j).startsWith("Caused by: ") || lines.get(j).matches("^\\S+(Exception|Error).*")) {
                            line = lines.get(j);
                        }
                    }
                    return cut(line);
                }
            }
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return cut(lines.get(i));
                }
            }
            return "(empty log)";
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + log + ")";
        }
    }

    private static String cut(String line) {
        String stripped = line.strip();
        return stripped.length() > 300 ? stripped.substring(0, 300) + " …" : stripped;
    }

    private void await(long seconds, String what) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                throw new SoakFailure("instance " + name + " did not end within " + seconds + " s of " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + (process == null ? "" : " (pid " + process.pid() + ")");
    }
}
