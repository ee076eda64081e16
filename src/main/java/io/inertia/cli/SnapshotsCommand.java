package io.inertia.cli;

import io.inertia.avro.ModelSnapshot;
import io.inertia.io.SnapshotJson;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.SnapshotReader;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inertia snapshots}: print snapshots from the snapshot topic as JSON lines. */
@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = "Print model snapshots as JSON lines, reading with isolation.level=read_committed. Without "
                + "--follow: the latest snapshot of each model, then exit. With --follow: every snapshot as it "
                + "arrives, from the beginning, until Ctrl-C.")
final class SnapshotsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--follow", description = "Keep printing new snapshots until interrupted.")
    boolean follow;

    @Option(names = "--model-key", paramLabel = "KEY", description = "Only this model (default: every model).")
    String modelKey;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        try (SnapshotReader reader = new SnapshotReader(client.config())) {
            if (!follow) {
                for (ModelSnapshot snapshot : reader.latest(modelKey).values()) {
                    out.println(SnapshotJson.toLine(snapshot));
                }
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
                reader.follow(modelKey, snapshot -> {
                    out.println(SnapshotJson.toLine(snapshot));
                    out.flush();
                }, stop::get);
            } finally {
                done.countDown();
            }
            return 0;
        } catch (KafkaSetup.ClusterUnavailableException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
    }
}
