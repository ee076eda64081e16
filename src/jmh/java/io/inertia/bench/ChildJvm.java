package io.inertia.bench;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An application under test in its own JVM, with its output in a log file. Every child still running is registered,
 * so that {@link #stopAll} (the benchmark's shutdown hook, also on Ctrl-C or SIGTERM) can end them all.
 */
final class ChildJvm {

    /** How much of the end of the log {@link #lastLogLine} reads. */
    private static final int LOG_TAIL_BYTES = 256 * 1024;
    private static final int MAX_LINE = 300;
    /** Lines of a stack trace: they say where, not what. */
    private static final Pattern STACK_LINE = Pattern.compile("^(\\s+at |\\s*\\.\\.\\. \\d+ (more|common frames)).*");
    /** A line that starts with an exception's class and message, as stack traces begin (or "Caused by: …"). */
    private static final Pattern EXCEPTION_LINE = Pattern.compile(
            "^\\s*(Caused by: )?([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error)(: |$)");
    /** A log line at level ERROR, in Logback's and Log4j's usual layouts. */
    private static final Pattern ERROR_LINE = Pattern.compile("^\\S*\\d\\d:\\d\\d:\\d\\d\\S*\\s+ERROR\\b");
    /** The first line of a log event (a stack trace's lines are not). */
    private static final Pattern TIMESTAMPED_LINE = Pattern.compile("^\\S*\\d\\d:\\d\\d:\\d\\d");

    private static final Object REGISTRY = new Object();
    private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();
    private static boolean refusing;

    private final String name;
    private final Process process;
    private final Path log;
    private long peakRssKb = -1;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The {@code java} that runs this JVM, so children run on the same JDK. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts {@code command} with its standard output and error in {@code log}.
     *
     * @throws BenchmarkFailure when the benchmark is shutting down or the process cannot be started
     */
    static ChildJvm start(String name, List<String> command, Path log) {
        synchronized (REGISTRY) {
            if (refusing) {
                throw new BenchmarkFailure("shutting down; not starting " + name);
            }
            try {
                Files.createDirectories(log.getParent());
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                ChildJvm child = new ChildJvm(name, process, log);
                RUNNING.add(child);
                return child;
            } catch (IOException e) {
                throw new BenchmarkFailure("cannot start " + name + ": " + e.getMessage());
            }
        }
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The exit status, or -1 while it runs. */
    int exitStatus() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /**
     * The child's peak resident set size so far in KiB (VmHWM of /proc/PID/status, which the kernel keeps as a
     * high-water mark), or the last value read once the process is gone; -1 when never read.
     */
    synchronized long samplePeakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    peakRssKb = Math.max(peakRssKb, kb);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The process is gone (or this is not Linux): keep the last value read.
        }
        return peakRssKb;
    }

    /**
     * The last line of the log, stack frames skipped, cut to {@value #MAX_LINE} characters; empty when the log is
     * empty.
     */
    String lastLogLine() {
        List<String> lines = tail();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank() && !STACK_LINE.matcher(lines.get(i)).matches()) {
                return cut(lines.get(i));
            }
        }
        return "";
    }

    /**
     * What made the child stop, as one line: the deepest cause of the first ERROR in the end of its log (the last
     * {@code …Exception: message} line of the stack trace that follows it). A failure sets off more errors (aborted
     * transactions, dirty closes) and "closed" lines, so neither the last line nor the last exception says why.
     * Without an ERROR, the last exception line, else {@link #lastLogLine}.
     */
    String failureLine() {
        List<String> lines = tail();
        for (int i = 0; i < lines.size(); i++) {
            if (ERROR_LINE.matcher(lines.get(i)).find()) {
                String cause = null;
                for (int j = i + 1; j < lines.size() && !TIMESTAMPED_LINE.matcher(lines.get(j)).find(); j++) {
                    if (EXCEPTION_LINE.matcher(lines.get(j)).find()) {
                        cause = lines.get(j);
                    }
                }
                if (cause != null) {
                    return cut(cause.replaceFirst("^\\s*Caused by: ", ""));
                }
            }
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (EXCEPTION_LINE.matcher(lines.get(i)).find()) {
                return cut(lines.get(i).replaceFirst("^\\s*Caused by: ", ""));
            }
        }
        return lastLogLine();
    }

    /** The lines of the last {@value #LOG_TAIL_BYTES} bytes of the log. */
    List<String> tail() {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(0, length - LOG_TAIL_BYTES);
            byte[] tail = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(tail);
            List<String> lines = new ArrayList<>(List.of(new String(tail, StandardCharsets.UTF_8).split("\\R")));
            if (start > 0 && !lines.isEmpty()) {
                lines.remove(0); // cut in the middle
            }
            return lines;
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
    }

    private static String cut(String line) {
        String stripped = line.strip();
        return stripped.length() > MAX_LINE ? stripped.substring(0, MAX_LINE) + " …" : stripped;
    }

    /**
     * Stops the child: SIGTERM (both applications close Kafka Streams cleanly on it), then SIGKILL after
     * {@code grace}. Returns its exit status.
     */
    int stop(Duration grace) {
        samplePeakRssKb();
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println("bench: " + name + " did not stop within " + grace.toSeconds()
                        + " s of SIGTERM; killing it");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Sends SIGKILL, the way a crash ends a process: no shutdown hook, no close, no flush. */
    void kill() {
        samplePeakRssKb();
        try {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
        }
    }

    /** Stops every child still running and refuses to start new ones; for the shutdown hook. */
    static void stopAll(Duration grace) {
        List<ChildJvm> children;
        synchronized (REGISTRY) {
            refusing = true;
            children = new ArrayList<>(RUNNING);
        }
        // SIGTERM to all first, so that they close in parallel.
        children.forEach(child -> child.process.destroy());
        children.forEach(child -> child.stop(grace));
    }
}
