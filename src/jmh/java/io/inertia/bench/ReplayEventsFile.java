package io.inertia.bench;

import io.inertia.avro.LabeledEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Writes the seeded events of an end-to-end case to an Avro object container file of {@link LabeledEvent}, the input
 * of {@code inertia replay --input FILE.avro}: the replay benchmark of {@code scripts/bench.sh replay} replays the
 * open vocabulary of case {@code uniform-hash20} (20 names per event drawn uniformly from 1,000,000) this way, the
 * same events the end-to-end benchmark sends through a broker.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.inertia.bench.ReplayEventsFile CASE EVENTS FILE.avro}.
 */
public final class ReplayEventsFile {

    private ReplayEventsFile() {
    }

    /** Writes {@code args[1]} events of case {@code args[0]} to {@code args[2]}; exit status 2 on bad usage. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ReplayEventsFile CASE EVENTS FILE.avro");
            System.exit(2);
        }
        EndToEndCase spec;
        long events;
        try {
            spec = EndToEndCase.named(args[0]);
            events = Long.parseLong(args[1]);
        } catch (IllegalArgumentException e) {
            System.err.println("ReplayEventsFile: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path file = Path.of(args[2]);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        SyntheticEvents generator = new SyntheticEvents(spec);
        try (DataFileWriter<LabeledEvent> writer = new DataFileWriter<>(
                new SpecificDatumWriter<>(LabeledEvent.class))) {
            writer.create(LabeledEvent.getClassSchema(), Files.newOutputStream(partial));
            for (long i = 0; i < events; i++) {
                writer.append(generator.next("e" + i));
            }
        }
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
