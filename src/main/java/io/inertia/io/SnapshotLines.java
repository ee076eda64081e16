package io.inertia.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.avro.SnapshotParts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * The snapshot topic's records as JSON lines ({@link SnapshotJson}), and JSON lines back as those records. One line per
 * snapshot: a snapshot published whole is a whole line; a snapshot published in parts is a line with the named weights
 * of the parts published with it, the weights updated since the model's snapshot before (every weight at the start of
 * a generation). So a line costs what its snapshot costs on the topic, O(the weights updated since the one before),
 * never O(the model).
 *
 * <p>Every output stands alone: the first line of a model in an output holds every named weight of its snapshot
 * ({@code "base": true}), also when the output begins in the middle of a generation (a replay started from saved
 * models, {@code inertia snapshots --follow} on a topic that holds older snapshots): its weights are then those of the
 * generation's earlier parts, which an {@link EarlierParts} supplies, merged with the new ones (a later weight replacing
 * an earlier one).
 *
 * <p>Reading a model's lines back ({@link #read}): a whole line is its snapshot; a base line starts the model's weights
 * over, each later line in parts replaces the weights it holds. The records given back are those a reader of the
 * snapshot topic would assemble the same snapshots from: a line in parts becomes the parts its header names, the
 * line's weights in the first of them and the others empty.
 */
public final class SnapshotLines {

    /** Where the weights of a generation published before an output began come from. */
    @FunctionalInterface
    public interface EarlierParts {
        /**
         * Parts 0..{@code count}−1 of generation {@code generation} of model {@code modelKey}, in index order.
         *
         * @throws IllegalStateException when they are not known
         */
        List<ModelSnapshotPart> of(String modelKey, long generation, int count);

        /** None: every model's first snapshot in the output is expected to start its generation. */
        static EarlierParts none() {
            return (modelKey, generation, count) -> {
                throw new IllegalStateException("the snapshot of '" + modelKey + "' continues generation "
                        + generation + " of parts published before this output began, which it does not hold");
            };
        }
    }

    private final SnapshotJson.LineWriter out;
    private final EarlierParts earlier;
    /** Per model, the parts published since its last header: those of the snapshot whose header comes next. */
    private final Map<String, List<ModelSnapshotPart>> pending = new HashMap<>();
    /** The models that have a line in this output. */
    private final Set<String> started = new HashSet<>();

    /** Lines to {@code out}, the weights of generations begun before the output from {@code earlier}. */
    public SnapshotLines(Writer out, EarlierParts earlier) {
        this(new SnapshotJson.LineWriter(out), earlier);
    }

    /** Lines to {@code out} in UTF-8, the weights of generations begun before the output from {@code earlier}. */
    public SnapshotLines(OutputStream out, EarlierParts earlier) {
        this(new SnapshotJson.LineWriter(out), earlier);
    }

    private SnapshotLines(SnapshotJson.LineWriter out, EarlierParts earlier) {
        this.out = out;
        this.earlier = earlier;
    }

    /** Takes a part, published before the header of its snapshot. */
    public void part(ModelSnapshotPart part) {
        pending.computeIfAbsent(part.getModelKey(), k -> new ArrayList<>()).add(part);
    }

    /** Writes the line of the snapshot {@code header} completes, with the parts taken since the model's last header. */
    public void header(ModelSnapshot header) {
        String key = header.getModelKey();
        List<ModelSnapshotPart> parts = pending.remove(key);
        SnapshotParts layout = header.getParts();
        if (layout == null) {
            out.whole(header);
            started.add(key);
            return;
        }
        if (parts == null) {
            parts = List.of();
        }
        int first = parts.isEmpty() ? layout.getParts() : parts.get(0).getIndex();
        boolean base = first == 0;
        if (!base && !started.contains(key)) {
            List<ModelSnapshotPart> all = new ArrayList<>(earlier.of(key, layout.getGeneration(), first));
            all.addAll(parts);
            parts = List.of(merged(key, layout.getGeneration(), header.getVersion(), all));
            base = true;
        }
        out.inParts(header, parts, base);
        started.add(key);
    }

    /**
     * Writes the line of a snapshot as published, {@code header} with its parts 0..P−1 (none when it is whole), as
     * the first line of its model: every named weight.
     */
    public void published(ModelSnapshot header, List<ModelSnapshotPart> parts) {
        if (header.getParts() == null) {
            out.whole(header);
        } else {
            out.inParts(header, List.of(merged(header.getModelKey(), header.getParts().getGeneration(),
                    header.getVersion(), parts)), true);
        }
        started.add(header.getModelKey());
    }

    /** Hands the lines written so far to the writer. */
    public void flush() {
        out.flush();
    }

    /**
     * One part with the weights of {@code parts}, a weight of a later part replacing the same weight of an earlier one,
     * named weights by name and then buckets by number: the order in which a snapshot lists them.
     */
    static ModelSnapshotPart merged(String modelKey, long generation, long version, List<ModelSnapshotPart> parts) {
        int stateSize = -1;
        TreeMap<String, int[]> named = new TreeMap<>();
        TreeMap<Integer, int[]> hashed = new TreeMap<>();
        for (int p = 0; p < parts.size(); p++) {
            ModelSnapshotPart part = parts.get(p);
            NamedWeights names = part.getNamed();
            for (int i = 0; i < names.getNames().size(); i++) {
                named.put(names.getNames().get(i), new int[] {p, i});
            }
            BucketWeights buckets = part.getHashed();
            for (int i = 0; i < buckets.getBuckets().size(); i++) {
                hashed.put(buckets.getBuckets().get(i), new int[] {p, i});
            }
            int weights = names.getNames().size() + buckets.getBuckets().size();
            if (weights > 0) {
                int size = (names.getStates().size() + buckets.getStates().size()) / weights;
                if (stateSize >= 0 && size != stateSize) {
                    throw new IllegalStateException("parts of '" + modelKey + "' with " + stateSize + " and " + size
                            + " state values per weight");
                }
                stateSize = size;
            }
        }
        stateSize = Math.max(0, stateSize);
        List<String> names = new ArrayList<>(named.keySet());
        List<Double> namedWeights = new ArrayList<>(names.size());
        List<Double> namedStates = new ArrayList<>(names.size() * stateSize);
        List<Long> namedSteps = new ArrayList<>(names.size());
        for (int[] at : named.values()) {
            NamedWeights from = parts.get(at[0]).getNamed();
            namedWeights.add(from.getWeights().get(at[1]));
            for (int k = 0; k < stateSize; k++) {
                namedStates.add(from.getStates().get(at[1] * stateSize + k));
            }
            namedSteps.add(from.getLastSteps().get(at[1]));
        }
        List<Integer> buckets = new ArrayList<>(hashed.keySet());
        List<Double> bucketWeights = new ArrayList<>(buckets.size());
        List<Double> bucketStates = new ArrayList<>(buckets.size() * stateSize);
        List<Long> bucketSteps = new ArrayList<>(buckets.size());
        for (int[] at : hashed.values()) {
            BucketWeights from = parts.get(at[0]).getHashed();
            bucketWeights.add(from.getWeights().get(at[1]));
            for (int k = 0; k < stateSize; k++) {
                bucketStates.add(from.getStates().get(at[1] * stateSize + k));
            }
            bucketSteps.add(from.getLastSteps().get(at[1]));
        }
        return new ModelSnapshotPart(modelKey, generation, 0, version,
                new NamedWeights(names, namedWeights, namedStates, namedSteps),
                new BucketWeights(buckets, bucketWeights, bucketStates, bucketSteps));
    }

    /**
     * Hands the records of the JSON Lines snapshot file {@code file} to {@code records}, in order: per line, the parts
     * its header names (for a line in parts) and then its header, a {@link ModelSnapshot} (see the class
     * documentation). Blank lines are skipped.
     *
     * @param learnerState whether every line must hold the learner's whole state, to resume from it exactly (lines
     *     written before the form in parts do not)
     * @throws InputFileException when a line is not a snapshot line, naming the line; when a line in parts continues a
     *     generation without a base line before it; when {@code learnerState} and a line lacks part of that state
     */
    public static void read(Path file, boolean learnerState, Consumer<SpecificRecord> records) {
        String name = file.toString();
        // Per model: the generation of its last line in parts and how many parts that generation had then.
        Map<String, long[]> layouts = new HashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonParser json = SnapshotJson.FACTORY.createParser(reader)) {
            for (JsonToken token = next(json, name); token != null; token = next(json, name)) {
                long line = json.currentTokenLocation().getLineNr();
                if (token != JsonToken.START_OBJECT) {
                    throw new InputFileException(name, line, "not a JSON object");
                }
                SnapshotJson.Line read;
                try {
                    read = SnapshotJson.read(json);
                } catch (IllegalArgumentException e) {
                    throw new InputFileException(name, line, e.getMessage());
                } catch (JsonProcessingException e) {
                    throw new InputFileException(name, lineOf(e, line), "not a JSON object: "
                            + e.getOriginalMessage());
                }
                if (learnerState && read.lacking() != null) {
                    throw new InputFileException(name, line, "lacks " + read.lacking() + ", part of the learner's "
                            + "state: a line of an older release, every weight brought up to date; start from an "
                            + ".avro output or the snapshot topic instead");
                }
                emit(name, line, read, layouts, records);
            }
        } catch (NoSuchFileException e) {
            throw new InputFileException(name, "no such file");
        } catch (IOException e) {
            throw new InputFileException(name, "cannot read: " + e.getMessage());
        }
    }

    private static JsonToken next(JsonParser json, String name) throws IOException {
        try {
            return json.nextToken();
        } catch (JsonProcessingException e) {
            throw new InputFileException(name, lineOf(e, json.currentTokenLocation().getLineNr()),
                    "not a JSON object: " + e.getOriginalMessage());
        }
    }

    private static long lineOf(JsonProcessingException e, long otherwise) {
        JsonLocation location = e.getLocation();
        return location == null || location.getLineNr() < 1 ? otherwise : location.getLineNr();
    }

    private static void emit(String file, long line, SnapshotJson.Line read, Map<String, long[]> layouts,
            Consumer<SpecificRecord> records) {
        ModelSnapshot header = read.header();
        String key = header.getModelKey();
        if (read.weights() == null) {
            layouts.remove(key);
            records.accept(header);
            return;
        }
        SnapshotParts layout = header.getParts();
        int first;
        if (read.base()) {
            first = 0;
        } else {
            long[] previous = layouts.get(key);
            if (previous == null || previous[0] != layout.getGeneration()) {
                throw new InputFileException(file, line, "holds the weights of '" + key + "' updated since a "
                        + "snapshot that is not in the file: no line with \"base\": true of generation "
                        + layout.getGeneration() + " before it");
            }
            first = (int) previous[1];
        }
        ModelSnapshotPart weights = read.weights();
        boolean holdsWeights = !weights.getNamed().getNames().isEmpty() || !weights.getHashed().getBuckets().isEmpty();
        if (first > layout.getParts() || (holdsWeights && first == layout.getParts())) {
            throw new InputFileException(file, line, "its parts (" + layout.getParts() + " of generation "
                    + layout.getGeneration() + ") do not follow the " + first + " of the line of '" + key
                    + "' before it");
        }
        for (int index = first; index < layout.getParts(); index++) {
            ModelSnapshotPart part = index == first ? weights : new ModelSnapshotPart(key, layout.getGeneration(),
                    index, header.getVersion(), new NamedWeights(List.of(), List.of(), List.of(), List.of()),
                    new BucketWeights(List.of(), List.of(), List.of(), List.of()));
            part.setGeneration(layout.getGeneration());
            part.setIndex(index);
            records.accept(part);
        }
        records.accept(header);
        layouts.put(key, new long[] {layout.getGeneration(), layout.getParts()});
    }
}
