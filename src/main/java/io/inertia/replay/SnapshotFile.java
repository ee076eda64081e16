package io.inertia.replay;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.io.InputFileException;
import io.inertia.io.SnapshotLines;
import io.inertia.topology.SnapshotLayout;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The snapshots a replay writes, in one of two forms chosen by the file's name; either way a snapshot costs what it
 * costs on the snapshot topic, the weights updated since the model's snapshot before (every weight at the start of a
 * generation), never the whole model each time.
 *
 * <ul>
 *   <li><b>Avro</b> ({@code .avro}): the records of the snapshot topic as the learner publishes them, in order, in an
 *       object container file of the union {@link #SCHEMA} ({@code [ModelSnapshot, ModelSnapshotPart]}), uncompressed:
 *       each record is its union branch followed by exactly the Avro body the live learner publishes. A model
 *       published in parts is written in parts, and a replay can start from the file exactly (see
 *       {@link InitialModels}). A model whose first snapshot in the file continues a generation begun before the
 *       replay (one started from saved models) first gets that generation's earlier parts, as they were published. Tombstones are left out: a header names the parts that make it up, and its generation
 *       makes older parts obsolete.</li>
 *   <li><b>JSON Lines</b> (any other name): one line per snapshot ({@link SnapshotLines}): a snapshot published whole
 *       as a whole line, a snapshot in parts as a line with the named weights of its parts, each as of its last update
 *       with the version it is current to. The first line of a model holds all its weights, also when the replay
 *       started from saved models in the middle of a generation.</li>
 * </ul>
 */
abstract class SnapshotFile implements Closeable {

    /** The schema of an Avro snapshot file's records. */
    static final Schema SCHEMA = Schema.createUnion(List.of(ModelSnapshot.getClassSchema(),
            ModelSnapshotPart.getClassSchema()));

    /** Bytes of Avro's single-object framing before the body: marker (2) and schema fingerprint (8). */
    private static final int FRAMING = 10;

    private long snapshots;

    /**
     * Takes the next record the learner publishes to the snapshot topic (a null value is a tombstone); returns the
     * header it is, decoded, or null for a part or a tombstone.
     */
    abstract ModelSnapshot accept(byte[] key, byte[] value) throws IOException;

    /** The number of snapshots written (headers, whole or in parts). */
    final long snapshots() {
        return snapshots;
    }

    /** Counts a snapshot written. */
    final void counted() {
        snapshots++;
    }

    /** A snapshot file at {@code path} in the form {@code target}'s name chooses. */
    static SnapshotFile open(Path path, Path target, String topic, InitialModels initial) throws IOException {
        return RecordFile.isAvro(target) ? new AvroFile(path, topic, initial)
                : new JsonLinesFile(path, topic, initial);
    }

    /**
     * Hands every record of the snapshot file {@code file}, an output of {@code inertia replay}, to {@code records}, in
     * order: a {@link ModelSnapshot} (a header, or a whole snapshot) or a {@link ModelSnapshotPart}. A JSON Lines file
     * gives the records its lines stand for (see {@link SnapshotLines#read}).
     *
     * @param learnerState whether every snapshot must hold the learner's whole state (JSON lines of an older release
     *     do not)
     * @throws InputFileException when the file is not a snapshot file of {@code inertia replay}
     */
    static void read(Path file, boolean learnerState, Consumer<Object> records) {
        if (!RecordFile.isAvro(file)) {
            SnapshotLines.read(file, learnerState, records::accept);
            return;
        }
        try (DataFileReader<Object> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(SCHEMA))) {
            Schema written = reader.getSchema();
            if (written.getType() != Schema.Type.UNION || written.getTypes().size() != 2
                    || !written.getTypes().get(0).getFullName().equals(ModelSnapshot.getClassSchema().getFullName())
                    || !written.getTypes().get(1).getFullName().equals(
                            ModelSnapshotPart.getClassSchema().getFullName())) {
                throw new InputFileException(file.toString(), "not a snapshot file of inertia replay: its records "
                        + "are " + written.getFullName() + ", not [ModelSnapshot, ModelSnapshotPart]");
            }
            while (reader.hasNext()) {
                records.accept(reader.next());
            }
        } catch (IOException | org.apache.avro.AvroRuntimeException e) {
            throw new InputFileException(file.toString(), "not an Avro container file of snapshots: "
                    + e.getMessage());
        }
    }

    /**
     * The records as published, branch and body. A model whose first snapshot in the file continues a generation begun
     * before the replay (started from saved models) gets that generation's earlier parts from its initial snapshot
     * first, so that the file holds every snapshot it names.
     */
    private static final class AvroFile extends SnapshotFile {
        private final DataFileWriter<Object> writer;
        private final String topic;
        private final InitialModels initial;
        private final io.inertia.serde.SingleObjectAvroSerde<ModelSnapshot> headers =
                io.inertia.serde.InertiaSerdes.modelSnapshot();
        private final io.inertia.serde.SingleObjectAvroSerde<ModelSnapshotPart> parts =
                io.inertia.serde.InertiaSerdes.modelSnapshotPart();
        /** The models that have a record in the file. */
        private final java.util.Set<String> started = new java.util.HashSet<>();
        private byte[] buffer = new byte[1 << 16];

        AvroFile(Path path, String topic, InitialModels initial) throws IOException {
            this.topic = topic;
            this.initial = initial;
            writer = new DataFileWriter<>(new GenericDatumWriter<>(SCHEMA));
            // A sync marker of the schema's own, not a random one: two replays of the same input write the same file.
            writer.create(SCHEMA, Files.newOutputStream(path), RecordFile.syncMarker(SCHEMA));
        }

        @Override
        ModelSnapshot accept(byte[] key, byte[] value) throws IOException {
            if (value == null) {
                return null;
            }
            String recordKey = new String(key, StandardCharsets.UTF_8);
            String modelKey = SnapshotLayout.modelKeyOf(recordKey);
            if (SnapshotLayout.isPartKey(recordKey)) {
                if (started.add(modelKey)) {
                    // Key: model key, NUL, generation, NUL, index.
                    String[] at = recordKey.substring(modelKey.length() + 1).split(String.valueOf(
                            SnapshotLayout.SEPARATOR));
                    int index = Integer.parseInt(at[1]);
                    if (index > 0) {
                        writeEarlier(modelKey, Long.parseLong(at[0]), index);
                    }
                }
                append(true, value);
                return null;
            }
            ModelSnapshot header = headers.deserialize(topic, value);
            if (started.add(modelKey) && header.getParts() != null && header.getParts().getParts() > 0) {
                writeEarlier(modelKey, header.getParts().getGeneration(), header.getParts().getParts());
            }
            append(false, value);
            counted();
            return header;
        }

        /** Parts 0..count−1 of {@code generation} of {@code modelKey}, from its initial snapshot. */
        private void writeEarlier(String modelKey, long generation, int count) throws IOException {
            for (ModelSnapshotPart part : initial.parts(modelKey, generation, count)) {
                append(true, parts.serialize(topic, part));
            }
        }

        /** Appends the record of single-object bytes {@code value}: its union branch, then its Avro body. */
        private void append(boolean part, byte[] value) throws IOException {
            int length = 1 + value.length - FRAMING;
            if (buffer.length < length) {
                buffer = new byte[Math.max(length, buffer.length * 2)];
            }
            // The union's branch as a zig-zag varint: 0 for ModelSnapshot, 1 (encoded 2) for ModelSnapshotPart.
            buffer[0] = (byte) (part ? 2 : 0);
            System.arraycopy(value, FRAMING, buffer, 1, value.length - FRAMING);
            writer.appendEncoded(ByteBuffer.wrap(buffer, 0, length));
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }

    /**
     * Snapshots as JSON lines, each the weights its records carry, written on a thread of their own: decoding a
     * part and printing its weights cost about what learning them did, and a replay has a second core. The learner's
     * thread decodes only the headers (the replay needs each one's model and version at once) and hands every record
     * on in order, so the file is the same as if one thread wrote it. At most {@value #BACKLOG_BYTES} bytes of records
     * wait, so memory stays bounded; a failure of the writer is thrown by the next record taken, or by
     * {@link #close}.
     */
    private static final class JsonLinesFile extends SnapshotFile {
        /** Bytes of records that may wait for the writer thread. */
        static final int BACKLOG_BYTES = 32 << 20;

        /** A part's bytes, or a header decoded; the room it takes in the backlog. */
        private record Item(byte[] part, ModelSnapshot header, int size) {
        }

        private static final Item END = new Item(null, null, 0);

        private final OutputStream file;
        private final String topic;
        private final SnapshotLines lines;
        private final io.inertia.serde.SingleObjectAvroSerde<ModelSnapshot> headers =
                io.inertia.serde.InertiaSerdes.modelSnapshot();
        private final io.inertia.serde.SnapshotPartDecoder decoder = new io.inertia.serde.SnapshotPartDecoder();
        private final java.util.concurrent.BlockingQueue<Item> queue =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.Semaphore room = new java.util.concurrent.Semaphore(BACKLOG_BYTES);
        private final Thread writer;
        private volatile Throwable failure;
        private boolean closed;

        JsonLinesFile(Path path, String topic, InitialModels initial) throws IOException {
            this.topic = topic;
            file = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            // A model started from a snapshot in parts may continue its generation: its first line takes the
            // generation's earlier parts from there.
            lines = new SnapshotLines(file, initial::parts);
            writer = new Thread(this::write, "inertia-replay-writer");
            writer.setDaemon(true);
            writer.start();
        }

        @Override
        ModelSnapshot accept(byte[] key, byte[] value) throws IOException {
            if (value == null) {
                return null;
            }
            rethrow();
            boolean part = SnapshotLayout.isPartKey(new String(key, StandardCharsets.UTF_8));
            ModelSnapshot header = part ? null : headers.deserialize(topic, value);
            int size = Math.min(value.length, BACKLOG_BYTES);
            try {
                room.acquire(size);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing " + topic + " records");
            }
            queue.add(new Item(part ? value : null, header, size));
            if (header == null) {
                return null;
            }
            counted();
            return header;
        }

        /** The writer thread: every record in order, until {@link #END}; after a failure, only frees the room. */
        private void write() {
            try {
                for (Item item = queue.take(); item != END; item = queue.take()) {
                    if (failure == null) {
                        try {
                            if (item.header() == null) {
                                lines.part(decoder.decode(topic, item.part()));
                            } else {
                                lines.header(item.header());
                            }
                        } catch (RuntimeException | Error e) {
                            failure = e;
                        }
                    }
                    room.release(item.size());
                }
                if (failure == null) {
                    lines.flush();
                }
            } catch (InterruptedException e) {
                failure = e;
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }

        /** Throws what ended the writer thread's work, if anything did. */
        private void rethrow() throws IOException {
            Throwable failed = failure;
            if (failed instanceof java.io.UncheckedIOException io) {
                throw io.getCause();
            }
            if (failed instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failed instanceof Error error) {
                throw error;
            }
            if (failed != null) {
                throw new IOException("the JSON Lines writer stopped: " + failed, failed);
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(END);
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                file.close();
                throw new java.io.InterruptedIOException("interrupted while finishing the JSON lines");
            }
            try {
                rethrow();
            } finally {
                file.close();
            }
        }
    }
}
