package io.inertia.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress of a long replay on stderr: events done, events/s and the time left, drawn by the progressbar library
 * only when {@code -Dinertia.progress=true} (which {@code scripts/inertia} sets when stderr is a terminal), and
 * nothing at all otherwise, so a pipe or a log file never receives a bar. Only what a user sees depends on the clock;
 * no result does.
 */
interface Progress extends AutoCloseable {

    /** Whether bars are drawn in this process. */
    static boolean enabled() {
        return Boolean.getBoolean("inertia.progress");
    }

    /** One more event. */
    void step();

    @Override
    void close();

    /** A bar named {@code task} over {@code total} events (unknown: −1), or nothing when bars are off. */
    static Progress of(String task, long total) {
        if (!enabled()) {
            return new Progress() {
                @Override
                public void step() {
                }

                @Override
                public void close() {
                }
            };
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" events", 1).showSpeed()
                .setUpdateIntervalMillis(250).setMaxRenderedLength(100).continuousUpdate()
                .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS).build();
        return new Progress() {
            @Override
            public void step() {
                bar.step();
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    /**
     * About how many events {@code file} holds: its line breaks (less the header of a CSV); −1 when the
     * count is not known (an Avro file) or bars are off, so nothing is read in vain.
     */
    static long estimatedRows(Path file, boolean hasHeader) {
        if (!enabled() || file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".avro")) {
            return -1;
        }
        long lines = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return Math.max(0, hasHeader ? lines - 1 : lines);
    }
}
