package io.inertia.cli;

import io.inertia.config.ConfigException;
import io.inertia.model.FeatureHasher;
import io.inertia.model.OnlineStandardScaler;
import io.inertia.serde.EventDecoder;
import io.inertia.spec.FeatureExtractor;
import io.inertia.spec.FeatureSpec;
import io.inertia.spec.FeatureSpecException;
import io.inertia.spec.RecordSample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import picocli.CommandLine;

/**
 * {@code inertia check --feature-spec FILE --input SAMPLE}: the events the first records of a sample become through a
 * spec, one block per record, so that a user sees what the model will see: model key, label, weight, event id, and
 * every feature with its value (with {@code --hash-bits}, also its bucket and sign). A standardized feature is scaled
 * over the sample's earlier records of the same model, as the learner scales it, and shows the raw value and the
 * statistics it was scaled with. A record the learner would dead-letter shows the reason instead.
 */
final class FeatureSpecCheck {

    private final Path specFile;
    private final Path input;
    private final int records;
    private final String modelKey;
    private final int hashBits;

    FeatureSpecCheck(Path specFile, Path input, int records, String modelKey, int hashBits) {
        this.specFile = specFile;
        this.input = input;
        this.records = records;
        this.modelKey = modelKey;
        this.hashBits = hashBits;
    }

    int print(PrintWriter out, CommandLine command) {
        if (input == null) {
            throw new CommandLine.ParameterException(command, "--input SAMPLE is required with --feature-spec");
        }
        if (records < 1) {
            throw new CommandLine.ParameterException(command, "--records must be >= 1, got " + records);
        }
        if (hashBits < 0 || hashBits > FeatureHasher.MAX_BITS) {
            throw new CommandLine.ParameterException(command, "--hash-bits must be between 0 and "
                    + FeatureHasher.MAX_BITS + ", got " + hashBits);
        }
        FeatureSpec spec;
        try {
            spec = FeatureSpec.load(specFile);
        } catch (FeatureSpecException e) {
            throw new ConfigException(e.problems());
        }
        FeatureHasher hasher = hashBits > 0 ? FeatureHasher.of(hashBits) : null;
        RecordSample sample = RecordSample.read(input, records);
        if (sample.schema() != null) {
            for (String problem : spec.problemsWith(sample.schema())) {
                out.println("warning: " + specFile + ": " + problem + " (in the sample's schema)");
            }
        }
        Map<String, OnlineStandardScaler[]> scalers = new HashMap<>();
        List<String> scaled = new ArrayList<>();
        FeatureExtractor extractor = new FeatureExtractor(spec, (model, feature, x) -> {
            OnlineStandardScaler scaler = scalerOf(scalers, model, feature, spec);
            String note = String.format(Locale.ROOT, "standardized from %s (mean %s, sd %s of %d earlier)", x,
                    scaler.mean(), scaler.standardDeviation(), scaler.count());
            scaled.add(note);
            return scaler.transformThenLearn(x);
        });
        boolean recordKey = spec.modelKey() instanceof FeatureSpec.RecordKey;
        String topic = "file:" + input.getFileName();
        List<RecordSample.Entry> entries = sample.entries();
        for (int i = 0; i < entries.size(); i++) {
            RecordSample.Entry entry = entries.get(i);
            String where = "record " + (i + 1) + " (" + (sample.schema() == null ? "line " : "record ") + entry.line()
                    + ")";
            if (entry.problem() != null) {
                out.println(where + ": dead-lettered: " + entry.problem());
                continue;
            }
            EventDecoder.Event event;
            scaled.clear();
            try {
                event = extractor.extract(entry.record(), recordKey && modelKey == null ? "(record key)" : modelKey,
                        topic, 0, i);
            } catch (SerializationException e) {
                out.println(where + ": dead-lettered: " + e.getMessage());
                continue;
            }
            out.printf(Locale.ROOT, "%s: model %s, label %s, weight %s%s%n", where,
                    recordKey && modelKey == null ? "= the record key" : "'" + event.modelKey() + "'", event.label(),
                    event.weight(), event.eventId() == null ? "" : ", id '" + event.eventId() + "'");
            if (event.names().length == 0) {
                out.println("  (no features: only the bias learns)");
            }
            int width = 0;
            for (String name : event.names()) {
                width = Math.max(width, name.length());
            }
            int standardized = 0;
            for (int f = 0; f < event.names().length; f++) {
                StringBuilder line = new StringBuilder("  ").append(event.names()[f]);
                line.append(" ".repeat(width - event.names()[f].length())).append(" = ").append(event.values()[f]);
                if (hasher != null) {
                    FeatureHasher.Buckets bucket = hasher.buckets(new String[] {event.names()[f]}, new double[] {1});
                    line.append("   → ").append(FeatureHasher.BUCKET_PREFIX).append(bucket.indices()[0])
                            .append(bucket.values()[0] < 0 ? " (sign −)" : "");
                }
                if (isStandardized(spec, event.names()[f]) && standardized < scaled.size()) {
                    line.append("   ").append(scaled.get(standardized++));
                }
                out.println(line);
            }
        }
        if (entries.isEmpty()) {
            out.println("no records in " + input);
        }
        out.flush();
        return 0;
    }

    private static OnlineStandardScaler scalerOf(Map<String, OnlineStandardScaler[]> scalers, String model,
            int feature, FeatureSpec spec) {
        OnlineStandardScaler[] features = scalers.computeIfAbsent(model,
                key -> new OnlineStandardScaler[spec.numeric().size()]);
        if (features[feature] == null) {
            features[feature] = new OnlineStandardScaler();
        }
        return features[feature];
    }

    private static boolean isStandardized(FeatureSpec spec, String name) {
        for (FeatureSpec.Numeric numeric : spec.numeric()) {
            if (numeric.name().equals(name)) {
                return numeric.transform() == FeatureSpec.Transform.STANDARDIZE;
            }
        }
        return false;
    }
}
