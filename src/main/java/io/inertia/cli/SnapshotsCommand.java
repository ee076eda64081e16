package io.inertia.cli;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.io.SnapshotLines;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.SnapshotReader;
import io.inertia.topology.SnapshotAssembler;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code inertia snapshots}: print snapshots from the snapshot topic as JSON lines, in the form of a replay's JSON
 * Lines output ({@link SnapshotLines}): a line per snapshot with the weights its records carry, never the whole model again
 * at every snapshot; each model's first line holds all its weights.
 */
@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = "Print model snapshots as JSON lines (the form of replay's JSON Lines output), reading with "
                + "isolation.level=read_committed. Without --follow: the latest snapshot of each model, every weight, "
                + "then exit. With --follow: every snapshot as it arrives, from the beginning, until Ctrl-C or until "
                + "the output is closed; a model in parts prints all its weights on its first line, then at each "
                + "snapshot those updated since.")
final class SnapshotsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--follow", description = "Keep printing new snapshots until interrupted (or the output is "
            + "closed).")
    boolean follow;

    @Option(names = "--model-key", paramLabel = "KEY", description = "Only this model (default: every model).")
    String modelKey;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        try (SnapshotReader reader = new SnapshotReader(client.config())) {
            SnapshotLines lines = new SnapshotLines(out, reader::parts);
            if (!follow) {
                for (SnapshotAssembler.Published latest : reader.latestPublished(modelKey).values()) {
                    lines.published(latest.header(), latest.parts());
                }
                lines.flush();
                out.flush();
                return 0;
            }
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.set(true);
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "inertia-snapshots-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                reader.follow(modelKey, record -> {
                    if (record instanceof ModelSnapshotPart part) {
                        lines.part(part);
                    } else {
                        lines.header((ModelSnapshot) record);
                        lines.flush();
                        out.flush();
                    }
                }, () -> stop.get() || out.checkError());
            } finally {
                done.countDown();
            }
            if (!stop.get()) {
                // Ended because the output was closed (e.g. piped into head), not by Ctrl-C: the hook is not needed.
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // The JVM is stopping anyway; the hook finds the loop done.
                }
            }
            return 0;
        } catch (KafkaSetup.ClusterUnavailableException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
    }
}
