package io.inertia.replay;

import io.inertia.avro.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * The snapshot headers of a replay's Avro output as they are stored (not decoded and encoded again: a decoded map
 * would be written back in another order), so that tests compare them with published records byte for byte.
 */
public final class SnapshotBodies {

    private SnapshotBodies() {
    }

    /**
     * The stored bodies of {@code file}'s snapshots, without their union branch, by model key in file order: equal
     * to a published record's bytes after its 10-byte single-object header. Every snapshot must be one whole header
     * (small models).
     */
    public static Map<String, List<byte[]>> byModel(Path file) throws Exception {
        Map<String, List<byte[]>> bodies = new LinkedHashMap<>();
        SpecificDatumReader<Object> reader = new SpecificDatumReader<>();
        try (DataFileStream<Object> stream = new DataFileStream<>(Files.newInputStream(file), reader)) {
            while (stream.hasNext()) {
                long count = stream.getBlockCount();
                ByteBuffer block = stream.nextBlock();
                byte[] bytes = new byte[block.remaining()];
                block.get(bytes);
                ByteArrayInputStream in = new ByteArrayInputStream(bytes);
                BinaryDecoder decoder = DecoderFactory.get().directBinaryDecoder(in, null);
                for (long i = 0; i < count; i++) {
                    // After the branch: one byte, 0 for a ModelSnapshot.
                    int start = bytes.length - in.available() + 1;
                    ModelSnapshot snapshot = (ModelSnapshot) reader.read(null, decoder);
                    int end = bytes.length - in.available();
                    bodies.computeIfAbsent(snapshot.getModelKey(), k -> new ArrayList<>())
                            .add(Arrays.copyOfRange(bytes, start, end));
                }
            }
        }
        return bodies;
    }
}
