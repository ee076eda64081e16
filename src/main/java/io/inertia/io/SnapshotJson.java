package io.inertia.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.inertia.avro.BucketWeights;
import io.inertia.avro.ClassWeights;
import io.inertia.avro.FeatureScaler;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.InputPosition;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.avro.OptimizerState;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.avro.PrequentialMetrics;
import io.inertia.avro.SnapshotParts;
import io.inertia.model.DelayedOutcomeMetrics;
import io.inertia.model.Example;
import io.inertia.serde.PrimitiveLists;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A snapshot as one line of plain JSON, the form of {@code replay --output *.jsonl} and {@code inertia snapshots}, and
 * back. Doubles are written in their shortest form that parses back to the same double (Jackson's Schubfach writer,
 * the same digits on every JVM), so a line holds the very values of the records it was written from. A line is one
 * of two kinds:
 *
 * <ul>
 *   <li><b>Whole</b> (no {@code parts} field): a snapshot published whole, as one record ({@code modelKey},
 *       {@code version}, {@code weights} name → weight, {@code denseWeights} when the model has dense features,
 *       {@code bias}, the optimizer {@code state}: its value {@code names} and per weight, dense weights and bias the
 *       list of values, {@code runningLoss}, {@code metrics}, {@code lastEventTimestamp}, {@code hyperParameters},
 *       {@code l1Total}, {@code inputPosition}, {@code "halted": true} only for a halted model, and for a model
 *       that standardizes features their {@code scalers}, feature → {@code {"count", "mean", "m2"}}). Every weight is
 *       current at {@code version}, and the learner that published it held them so: the line is its state.</li>
 *   <li><b>In parts</b> (a {@code parts} field: {@code generation}, {@code base}, and the layout of the published
 *       parts, {@code baseParts}, {@code parts}, {@code baseWeights}, {@code weightsSinceBase}): the same fields, but
 *       {@code weights} (and {@code state.weights}) hold only the named weights of the parts published with this
 *       snapshot — every named weight when {@code base} is true, otherwise those updated since the model's previous
 *       line — each as of its last update, and {@code steps} gives the version each of them (and its state) is
 *       current to. Dense weights and the bias are always current.</li>
 * </ul>
 *
 * <p>A K-class (softmax) model has no top-level {@code weights}, {@code denseWeights} and {@code bias}: in a whole
 * line its {@code classes} are K rows, one per class in class order, each {@code {"class": k, "name"} (when the
 * classes have names){@code , "weights", "denseWeights", "bias", "state": {"weights", "denseWeights", "bias"}}} as a
 * single-output model has them, and the top-level {@code state} holds only the value names; the metrics add the
 * per-class counts behind the macro F1. In a line in parts each named weight is a list of its K weights (class 0
 * first) and its state the K·S values, {@code denseWeights} has K weights per dense feature and {@code biases} the K
 * biases. A K-class line in parts is written, not read back: a warm start or a comparison reads such a model from an
 * Avro output or a whole line.
 *
 * <p>Reading ({@link #read}) gives a line's header, as the snapshot topic carries it, and the named weights of a line
 * in parts as one {@link ModelSnapshotPart} (its index left for the reader of the file to set). Lines written before the
 * form in parts existed (every line whole, without {@code l1Total} and the metrics' running sums) read too: the fields
 * they lack take their schema defaults, and {@link Line#lacking()} names the first of those that a learner needs to
 * resume exactly.
 */
public final class SnapshotJson {

    /**
     * Writes doubles with the shortest exact digits on every JVM; reads them back exactly. Field names are not
     * canonicalized: most are weight names, millions of them, each seen once per line, and a symbol table of them
     * cost more than the rest of reading.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    /** What a line lacks of the learner's state when every field of it is there. */
    private static final List<String> LEARNER_STATE = List.of("bias", "state", "runningLoss", "metrics.count",
            "metrics.windowSize", "metrics.recentLosses", "metrics.windowLossSum", "metrics.lossSum",
            "metrics.squaredErrorSum", "metrics.absoluteErrorSum", "metrics.correct", "lastEventTimestamp",
            "hyperParameters", "l1Total");

    private SnapshotJson() {
    }

    /**
     * One line read back.
     *
     * @param header the snapshot's header: a whole snapshot (named weights inline, {@code parts} null), or for a line
     *     in parts the header as published ({@code parts} its layout, no named weights)
     * @param weights for a line in parts, its named weights as one part (index 0, for the reader to place); else null
     * @param base for a line in parts, whether it holds every named weight of the model
     * @param lacking the first field of the learner's state the line lacks (a line written by an older release), or
     *     null when it has them all
     */
    public record Line(ModelSnapshot header, ModelSnapshotPart weights, boolean base, String lacking) {
    }

    /** {@code snapshot} as a single whole line of JSON, without a line break; see the class documentation. */
    public static String toLine(ModelSnapshot snapshot) {
        StringWriter text = new StringWriter();
        try (LineWriter out = new LineWriter(text)) {
            out.whole(snapshot);
        }
        return text.toString().stripTrailing();
    }

    /**
     * The line in parts of {@code header} and the named weights of {@code parts} (in order, none repeated), without a
     * line break; see the class documentation.
     */
    public static String toLine(ModelSnapshot header, List<ModelSnapshotPart> parts, boolean base) {
        StringWriter text = new StringWriter();
        try (LineWriter out = new LineWriter(text)) {
            out.inParts(header, parts, base);
        }
        return text.toString().stripTrailing();
    }

    /** Writes snapshot lines, each followed by a line break, to a {@link Writer} it does not close. */
    public static final class LineWriter implements Closeable {
        private final JsonGenerator json;

        /** Lines to {@code out}. */
        public LineWriter(Writer out) {
            try {
                json = FACTORY.createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // One value per line: a line break after each, never the default space between them.
            json.setRootValueSeparator(null);
        }

        /** Lines to {@code out}, in UTF-8 (Jackson encodes as it writes: no pass from characters to bytes). */
        public LineWriter(OutputStream out) {
            try {
                json = FACTORY.createGenerator(out, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            json.setRootValueSeparator(null);
        }

        /** Writes {@code snapshot} as a whole line: every named weight, in name order. */
        public void whole(ModelSnapshot snapshot) {
            if (snapshot.getClassWeights() != null) {
                wholeClasses(snapshot);
                return;
            }
            try {
                json.writeStartObject();
                json.writeStringField("modelKey", snapshot.getModelKey());
                json.writeNumberField("version", snapshot.getVersion());
                // Sorted, so that equal snapshots always print the same line.
                json.writeObjectFieldStart("weights");
                for (Map.Entry<String, Double> weight : new TreeMap<>(snapshot.getNamedWeights()).entrySet()) {
                    json.writeNumberField(weight.getKey(), weight.getValue());
                }
                json.writeEndObject();
                writeDenseAndBias(snapshot);
                OptimizerState optimizer = snapshot.getOptimizerState();
                json.writeObjectFieldStart("state");
                writeStateNames(optimizer);
                json.writeObjectFieldStart("weights");
                for (Map.Entry<String, List<Double>> state : new TreeMap<>(optimizer.getNamedState()).entrySet()) {
                    json.writeArrayFieldStart(state.getKey());
                    for (double value : state.getValue()) {
                        json.writeNumber(value);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
                writeDenseAndBiasState(optimizer);
                json.writeEndObject();
                writeTail(snapshot);
                json.writeEndObject();
                json.writeRaw('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A K-class model's whole line: the value names, then one row per class (see the class documentation). */
        private void wholeClasses(ModelSnapshot snapshot) {
            ClassWeights classes = snapshot.getClassWeights();
            OptimizerState optimizer = snapshot.getOptimizerState();
            List<String> names = snapshot.getHyperParameters().getClassNames();
            int outputs = classes.getBiases().size();
            int stateSize = optimizer.getStateNames().size();
            // Sorted, so that equal snapshots always print the same line.
            Map<String, List<Double>> named = new TreeMap<>(classes.getNamedWeights());
            Map<String, List<Double>> namedState = new TreeMap<>(optimizer.getNamedState());
            List<Double> dense = snapshot.getDenseWeights();
            List<Double> denseState = optimizer.getDenseState();
            try {
                json.writeStartObject();
                json.writeStringField("modelKey", snapshot.getModelKey());
                json.writeNumberField("version", snapshot.getVersion());
                json.writeObjectFieldStart("state");
                writeStateNames(optimizer);
                json.writeEndObject();
                json.writeArrayFieldStart("classes");
                for (int k = 0; k < outputs; k++) {
                    json.writeStartObject();
                    json.writeNumberField("class", k);
                    if (names.size() == outputs) {
                        json.writeStringField("name", names.get(k));
                    }
                    json.writeObjectFieldStart("weights");
                    for (Map.Entry<String, List<Double>> weight : named.entrySet()) {
                        json.writeNumberField(weight.getKey(), weight.getValue().get(k));
                    }
                    json.writeEndObject();
                    if (dense != null) {
                        json.writeArrayFieldStart("denseWeights");
                        for (int i = k; i < dense.size(); i += outputs) {
                            json.writeNumber(dense.get(i));
                        }
                        json.writeEndArray();
                    }
                    json.writeNumberField("bias", classes.getBiases().get(k));
                    json.writeObjectFieldStart("state");
                    json.writeObjectFieldStart("weights");
                    for (Map.Entry<String, List<Double>> state : namedState.entrySet()) {
                        writeRange(state.getKey(), state.getValue(), k * stateSize, stateSize);
                    }
                    json.writeEndObject();
                    if (denseState != null) {
                        json.writeArrayFieldStart("denseWeights");
                        for (int j = k; j < dense.size(); j += outputs) {
                            for (int v = 0; v < stateSize; v++) {
                                json.writeNumber(denseState.get(j * stateSize + v));
                            }
                        }
                        json.writeEndArray();
                    }
                    writeRange("bias", optimizer.getBiasState(), k * stateSize, stateSize);
                    json.writeEndObject();
                    json.writeEndObject();
                }
                json.writeEndArray();
                writeTail(snapshot);
                json.writeEndObject();
                json.writeRaw('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void writeRange(String field, List<Double> values, int from, int count) throws IOException {
            json.writeArrayFieldStart(field);
            for (int v = from; v < from + count; v++) {
                json.writeNumber(values.get(v));
            }
            json.writeEndArray();
        }

        /**
         * Writes the line in parts of {@code header} (whose {@code parts} is its layout) with the named weights of
         * {@code parts}, in their order; {@code base} says that they are every named weight of the model.
         */
        public void inParts(ModelSnapshot header, List<ModelSnapshotPart> parts, boolean base) {
            SnapshotParts layout = header.getParts();
            if (layout == null) {
                throw new IllegalArgumentException("the header of '" + header.getModelKey() + "' at version "
                        + header.getVersion() + " is not in parts");
            }
            int stateSize = header.getOptimizerState().getStateNames().size();
            // K weights per feature for a K-class model, each written as a list of K.
            int outputs = header.getClassWeights() == null ? 1 : header.getClassWeights().getBiases().size();
            try {
                json.writeStartObject();
                json.writeStringField("modelKey", header.getModelKey());
                json.writeNumberField("version", header.getVersion());
                json.writeObjectFieldStart("parts");
                json.writeNumberField("generation", layout.getGeneration());
                json.writeBooleanField("base", base);
                json.writeNumberField("baseParts", layout.getBaseParts());
                json.writeNumberField("parts", layout.getParts());
                json.writeNumberField("baseWeights", layout.getBaseWeights());
                json.writeNumberField("weightsSinceBase", layout.getWeightsSinceBase());
                json.writeEndObject();
                json.writeObjectFieldStart("weights");
                for (ModelSnapshotPart part : parts) {
                    NamedWeights named = part.getNamed();
                    for (int i = 0, n = named.getNames().size(); i < n; i++) {
                        writeWeights(named.getNames().get(i), named.getWeights(), i, outputs);
                    }
                    BucketWeights hashed = part.getHashed();
                    for (int i = 0, n = hashed.getBuckets().size(); i < n; i++) {
                        writeWeights(Example.bucketName(hashed.getBuckets().get(i)), hashed.getWeights(), i, outputs);
                    }
                }
                json.writeEndObject();
                json.writeObjectFieldStart("steps");
                for (ModelSnapshotPart part : parts) {
                    NamedWeights named = part.getNamed();
                    for (int i = 0, n = named.getNames().size(); i < n; i++) {
                        json.writeNumberField(named.getNames().get(i), named.getLastSteps().get(i));
                    }
                    BucketWeights hashed = part.getHashed();
                    for (int i = 0, n = hashed.getBuckets().size(); i < n; i++) {
                        json.writeNumberField(Example.bucketName(hashed.getBuckets().get(i)),
                                hashed.getLastSteps().get(i));
                    }
                }
                json.writeEndObject();
                writeDenseAndBias(header);
                OptimizerState optimizer = header.getOptimizerState();
                json.writeObjectFieldStart("state");
                writeStateNames(optimizer);
                json.writeObjectFieldStart("weights");
                for (ModelSnapshotPart part : parts) {
                    NamedWeights named = part.getNamed();
                    for (int i = 0, n = named.getNames().size(); i < n; i++) {
                        json.writeFieldName(named.getNames().get(i));
                        writeStates(named.getStates(), i, outputs * stateSize);
                    }
                    BucketWeights hashed = part.getHashed();
                    for (int i = 0, n = hashed.getBuckets().size(); i < n; i++) {
                        json.writeFieldName(Example.bucketName(hashed.getBuckets().get(i)));
                        writeStates(hashed.getStates(), i, outputs * stateSize);
                    }
                }
                json.writeEndObject();
                writeDenseAndBiasState(optimizer);
                json.writeEndObject();
                writeTail(header);
                json.writeEndObject();
                json.writeRaw('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Feature {@code i}'s weight, or for a K-class model the list of its K weights. */
        private void writeWeights(String name, List<Double> weights, int i, int outputs) throws IOException {
            if (outputs == 1) {
                json.writeNumberField(name, weights.get(i));
            } else {
                writeRange(name, weights, i * outputs, outputs);
            }
        }

        private void writeStates(List<Double> states, int i, int stateSize) throws IOException {
            json.writeStartArray();
            for (int k = 0; k < stateSize; k++) {
                json.writeNumber(states.get(i * stateSize + k));
            }
            json.writeEndArray();
        }

        private void writeDenseAndBias(ModelSnapshot snapshot) throws IOException {
            if (snapshot.getDenseWeights() != null) {
                writeArray("denseWeights", snapshot.getDenseWeights());
            }
            if (snapshot.getClassWeights() != null) {
                writeArray("biases", snapshot.getClassWeights().getBiases());
            } else {
                json.writeNumberField("bias", snapshot.getBias());
            }
        }

        private void writeStateNames(OptimizerState optimizer) throws IOException {
            json.writeArrayFieldStart("names");
            for (String name : optimizer.getStateNames()) {
                json.writeString(name);
            }
            json.writeEndArray();
        }

        private void writeDenseAndBiasState(OptimizerState optimizer) throws IOException {
            if (optimizer.getDenseState() != null) {
                writeArray("denseWeights", optimizer.getDenseState());
            }
            writeArray("bias", optimizer.getBiasState());
        }

        private void writeArray(String field, List<Double> values) throws IOException {
            json.writeArrayFieldStart(field);
            for (double value : values) {
                json.writeNumber(value);
            }
            json.writeEndArray();
        }

        /** Everything after the weights and their state, the same in both kinds of line. */
        private void writeTail(ModelSnapshot snapshot) throws IOException {
            json.writeNumberField("runningLoss", snapshot.getRunningLoss());
            PrequentialMetrics metrics = snapshot.getMetrics();
            json.writeObjectFieldStart("metrics");
            json.writeNumberField("count", metrics.getCount());
            json.writeNumberField("meanLoss", metrics.getMeanLoss());
            json.writeNumberField("windowSize", metrics.getWindowSize());
            json.writeNumberField("windowMeanLoss", metrics.getWindowMeanLoss());
            writeIfPresent("rmse", metrics.getRmse());
            writeIfPresent("mae", metrics.getMae());
            writeIfPresent("accuracy", metrics.getAccuracy());
            writeIfPresent("logLoss", metrics.getLogLoss());
            writeIfPresent("macroF1", metrics.getMacroF1());
            writeIfPresent("windowAccuracy", metrics.getWindowAccuracy());
            writeIfPresent("windowMacroF1", metrics.getWindowMacroF1());
            // The running sums behind the metrics: what a learner resumed from this line continues exactly.
            writeArray("recentLosses", metrics.getRecentLosses());
            json.writeNumberField("windowLossSum", metrics.getWindowLossSum());
            json.writeNumberField("lossSum", metrics.getLossSum());
            json.writeNumberField("squaredErrorSum", metrics.getSquaredErrorSum());
            json.writeNumberField("absoluteErrorSum", metrics.getAbsoluteErrorSum());
            json.writeNumberField("correct", metrics.getCorrect());
            if (!metrics.getLabeledCounts().isEmpty()) {
                // A K-class model's counts behind its macro F1, and its window's labels and predictions.
                writeIntegers("labeledCounts", metrics.getLabeledCounts());
                writeIntegers("predictedCounts", metrics.getPredictedCounts());
                writeIntegers("truePositives", metrics.getTruePositives());
                writeIntegers("recentLabels", metrics.getRecentLabels());
                writeIntegers("recentPredictions", metrics.getRecentPredictions());
            }
            json.writeEndObject();
            if (snapshot.getOutcomes() != null) {
                writeOutcomes(json, snapshot.getOutcomes());
            }
            json.writeNumberField("lastEventTimestamp", snapshot.getLastEventTimestamp());
            if (snapshot.getHalted()) {
                // Only when set, so that the lines of models that learn normally keep their form.
                json.writeBooleanField("halted", true);
            }
            HyperParameters hyper = snapshot.getHyperParameters();
            json.writeObjectFieldStart("hyperParameters");
            json.writeStringField("optimizer", hyper.getOptimizer());
            json.writeStringField("loss", hyper.getLoss());
            json.writeStringField("schedule", hyper.getSchedule());
            json.writeNumberField("learningRate", hyper.getLearningRate());
            json.writeNumberField("powerT", hyper.getPowerT());
            json.writeNumberField("alpha", hyper.getAlpha());
            json.writeNumberField("t0", hyper.getT0());
            json.writeNumberField("momentum", hyper.getMomentum());
            json.writeNumberField("adamBeta2", hyper.getAdamBeta2());
            json.writeNumberField("epsilon", hyper.getEpsilon());
            json.writeNumberField("l2", hyper.getL2());
            json.writeNumberField("l1", hyper.getL1());
            json.writeNumberField("clipValue", hyper.getClipValue());
            json.writeNumberField("clipNorm", hyper.getClipNorm());
            json.writeNumberField("hashBits", hyper.getHashBits());
            json.writeNumberField("lossSmoothing", hyper.getLossSmoothing());
            json.writeNumberField("snapshotEvery", hyper.getSnapshotEvery());
            // Only where they mean something, so that the lines of other models keep their form.
            if (hyper.getOptimizer().equals("ftrl")) {
                json.writeNumberField("ftrlAlpha", hyper.getFtrlAlpha());
                json.writeNumberField("ftrlBeta", hyper.getFtrlBeta());
            }
            if (hyper.getClasses() > 1) {
                json.writeNumberField("classes", hyper.getClasses());
                json.writeArrayFieldStart("classNames");
                for (String name : hyper.getClassNames()) {
                    json.writeString(name);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeNumberField("l1Total", snapshot.getL1Total());
            InputPosition position = snapshot.getInputPosition();
            if (position != null) {
                json.writeObjectFieldStart("inputPosition");
                json.writeStringField("topic", position.getTopic());
                json.writeNumberField("partition", position.getPartition());
                json.writeNumberField("offset", position.getOffset());
                json.writeEndObject();
            }
            if (snapshot.getScalers() != null) {
                // A standardizing model's statistics, feature by feature in the header's (ascending name) order.
                json.writeObjectFieldStart("scalers");
                for (FeatureScaler scaler : snapshot.getScalers()) {
                    json.writeObjectFieldStart(scaler.getFeature());
                    json.writeNumberField("count", scaler.getCount());
                    json.writeNumberField("mean", scaler.getMean());
                    json.writeNumberField("m2", scaler.getM2());
                    json.writeEndObject();
                }
                json.writeEndObject();
            }
        }

        private void writeIntegers(String field, List<? extends Number> values) throws IOException {
            json.writeArrayFieldStart(field);
            for (Number value : values) {
                json.writeNumber(value.longValue());
            }
            json.writeEndArray();
        }

        private void writeIfPresent(String field, Double value) throws IOException {
            if (value != null) {
                json.writeNumberField(field, value);
            }
        }

        /** Hands what was written to the underlying writer. */
        public void flush() {
            try {
                json.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            flush();
        }
    }

    /** The field name of the count of each decision, in {@link DelayedOutcomeMetrics.Decision} order. */
    private static final List<String> DECISION_FIELDS = List.of("scored", "joined", "defaulted", "expired",
            "duplicateOutcome", "lateOutcome", "unmatchedOutcome", "duplicateEvent");

    /**
     * Writes a model's {@code outcomes} (ModelSnapshot v6) as the field {@code "outcomes"} of the object being
     * written: the count of each decision ({@code scored}, {@code joined}, {@code defaulted}, {@code expired},
     * {@code duplicateOutcome}, {@code lateOutcome}, {@code unmatchedOutcome}, {@code duplicateEvent}); for JOINED and
     * DEFAULTED each when there was one, the mean loss of the predictions served against the label learned
     * ({@code servedMeanLoss}) and the mean loss at learning time ({@code learnedMeanLoss}); once an event was joined
     * the outcome delay's {@code delayP50Ms} and {@code delayP99Ms} (from the stored histogram: at most 1/8 above the
     * true quantile); then what these are computed from, which a reader of the line takes back: {@code lossSums},
     * {@code delayBuckets} and {@code delayCounts}, as the schema has them.
     */
    public static void writeOutcomes(JsonGenerator json, OutcomeMetrics outcomes) throws IOException {
        // The means and quantiles as the learner computes them, from the stored counts, sums and histogram.
        DelayedOutcomeMetrics metrics = DelayedOutcomeMetrics.restore(new DelayedOutcomeMetrics.State(
                outcomes.getCounts().stream().mapToLong(Long::longValue).toArray(),
                outcomes.getLossSums().stream().mapToDouble(Double::doubleValue).toArray(),
                outcomes.getDelayBuckets().stream().mapToInt(Integer::intValue).toArray(),
                outcomes.getDelayCounts().stream().mapToLong(Long::longValue).toArray()));
        json.writeObjectFieldStart("outcomes");
        DelayedOutcomeMetrics.Decision[] decisions = DelayedOutcomeMetrics.Decision.values();
        for (int i = 0; i < decisions.length; i++) {
            json.writeNumberField(DECISION_FIELDS.get(i), metrics.count(decisions[i]));
        }
        List<DelayedOutcomeMetrics.Decision> learned = List.of(DelayedOutcomeMetrics.Decision.JOINED,
                DelayedOutcomeMetrics.Decision.DEFAULTED);
        for (String field : List.of("servedMeanLoss", "learnedMeanLoss")) {
            json.writeObjectFieldStart(field);
            for (DelayedOutcomeMetrics.Decision decision : learned) {
                if (metrics.count(decision) > 0) {
                    json.writeNumberField(DECISION_FIELDS.get(decision.ordinal()), field.startsWith("served")
                            ? metrics.meanServedLoss(decision) : metrics.meanLearnedLoss(decision));
                }
            }
            json.writeEndObject();
        }
        if (metrics.count(DelayedOutcomeMetrics.Decision.JOINED) > 0) {
            json.writeNumberField("delayP50Ms", metrics.delayQuantile(0.5));
            json.writeNumberField("delayP99Ms", metrics.delayQuantile(0.99));
        }
        json.writeArrayFieldStart("lossSums");
        for (double sum : outcomes.getLossSums()) {
            json.writeNumber(sum);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("delayBuckets");
        for (int bucket : outcomes.getDelayBuckets()) {
            json.writeNumber(bucket);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("delayCounts");
        for (long count : outcomes.getDelayCounts()) {
            json.writeNumber(count);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /**
     * Reads one line from {@code text}.
     *
     * @throws IllegalArgumentException when it is not a snapshot line, saying why in one line
     */
    public static Line parse(String text) {
        try (JsonParser json = FACTORY.createParser(text)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            Line line = read(json);
            if (json.nextToken() != null) {
                throw new IllegalArgumentException("more than one JSON value on the line");
            }
            return line;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the line whose object {@code json} is at (its current token a {@link JsonToken#START_OBJECT}), up to and
     * including its end.
     *
     * @throws IllegalArgumentException when it is not a snapshot line, saying why in one line
     * @throws JsonProcessingException when it is not JSON
     */
    public static Line read(JsonParser json) throws IOException {
        return new LineReader(json).read();
    }

    /** The fields of one line as they are read, in whatever order they come. */
    private static final class LineReader {
        private final JsonParser json;
        private final Set<String> present = new HashSet<>();
        private String modelKey;
        private long version;
        private final Column weights = new Column();
        private final Column steps = new Column();
        private final Column stateValues = new Column();
        private List<Double> denseWeights;
        private double bias;
        private List<String> stateNames = List.of();
        private List<Double> denseState;
        private List<Double> biasState = List.of();
        private double runningLoss;
        private double l1Total;
        private long lastEventTimestamp;
        private boolean halted;
        private final PrequentialMetrics.Builder metrics = PrequentialMetrics.newBuilder();
        private OutcomeMetrics outcomes;
        private final Map<String, Object> hyper = new HashMap<>();
        private Map<String, Number> layout;
        private Boolean base;
        private InputPosition inputPosition;
        /** A standardizing model's statistics, as read; null when the line has none. */
        private List<FeatureScaler> scalers;
        /** A K-class model's rows, in the order read; null for a single-output model. */
        private List<ClassRow> classRows;
        private final List<String> classNames = new ArrayList<>();

        LineReader(JsonParser json) {
            this.json = json;
        }

        Line read() throws IOException {
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                present.add(field);
                switch (field) {
                    case "modelKey" -> modelKey = text(field);
                    case "version" -> version = integer(field);
                    case "weights" -> numbers(field, weights);
                    case "steps" -> integers(field, steps);
                    case "denseWeights" -> denseWeights = array(field);
                    case "bias" -> bias = number(field);
                    case "state" -> state();
                    case "runningLoss" -> runningLoss = number(field);
                    case "metrics" -> metrics();
                    case "outcomes" -> outcomes = outcomes();
                    case "lastEventTimestamp" -> lastEventTimestamp = integer(field);
                    case "halted" -> halted = bool(field);
                    case "hyperParameters" -> hyperParameters();
                    case "l1Total" -> l1Total = number(field);
                    case "parts" -> parts();
                    case "inputPosition" -> inputPosition();
                    case "scalers" -> scalers();
                    case "classes" -> classes();
                    case "biases" -> throw new IllegalArgumentException("a K-class model's line in parts is not "
                            + "read back: read the model from an .avro output or a whole line");
                    default -> json.skipChildren();
                }
            }
            if (modelKey == null || !present.contains("version") || !present.contains("metrics.meanLoss")
                    || !present.contains("metrics.windowMeanLoss")) {
                throw new IllegalArgumentException("not a snapshot line of inertia replay (modelKey, version and "
                        + "metrics.meanLoss, metrics.windowMeanLoss expected)");
            }
            if (classRows != null) {
                // A K-class model has no top-level bias: its rows hold the K biases.
                present.add("bias");
            }
            String lacking = LEARNER_STATE.stream().filter(name -> !present.contains(name)).findFirst().orElse(null);
            ModelSnapshot header = ModelSnapshot.newBuilder()
                    .setModelKey(modelKey)
                    .setVersion(version)
                    .setDenseWeights(denseWeights)
                    .setBias(bias)
                    .setOptimizerState(OptimizerState.newBuilder()
                            .setStateNames(stateNames)
                            .setDenseState(denseState)
                            .setBiasState(biasState)
                            .build())
                    .setL1Total(l1Total)
                    .setHyperParameters(hyperParameters(layout != null))
                    .setMetrics(metrics.build())
                    .setRunningLoss(runningLoss)
                    .setLastEventTimestamp(lastEventTimestamp)
                    .setHalted(halted)
                    .setInputPosition(inputPosition)
                    .setOutcomes(outcomes)
                    .setScalers(scalers)
                    .build();
            if (layout == null && classRows != null) {
                classWeights(header);
                return new Line(header, null, false, lacking);
            }
            if (layout == null) {
                wholeWeights(header);
                return new Line(header, null, false, lacking);
            }
            header.setParts(SnapshotParts.newBuilder()
                    .setGeneration(layout.get("generation").longValue())
                    .setBaseParts(layout.get("baseParts").intValue())
                    .setParts(layout.get("parts").intValue())
                    .setSnapshotVersion(version)
                    .setBaseWeights(layout.get("baseWeights").longValue())
                    .setWeightsSinceBase(layout.get("weightsSinceBase").longValue())
                    .build());
            return new Line(header, partWeights(header.getParts().getGeneration()), base, lacking);
        }

        /** The named weights of a whole line into its header, each with its state values. */
        private void wholeWeights(ModelSnapshot header) {
            Map<String, Double> named = new LinkedHashMap<>();
            for (int i = 0; i < weights.size(); i++) {
                named.put(weights.name(i), weights.value(i));
            }
            Map<String, List<Double>> states = new LinkedHashMap<>();
            int stateSize = stateNames.size();
            for (int i = 0; i < stateValues.size(); i++) {
                double[] values = stateValues.values(i);
                if (values.length != stateSize) {
                    throw new IllegalArgumentException("state.weights." + stateValues.name(i) + " has "
                            + values.length + " values, not " + stateSize + " (state.names)");
                }
                states.put(stateValues.name(i), PrimitiveLists.of(values, values.length));
            }
            header.setNamedWeights(named);
            header.getOptimizerState().setNamedState(states);
        }

        /** One class's row of a K-class line, as read. */
        private static final class ClassRow {
            final Column weights = new Column();
            final Column state = new Column();
            double[] dense;
            double bias;
            double[] denseState;
            double[] biasState = new double[0];
        }

        private void classes() throws IOException {
            expect(JsonToken.START_ARRAY, "classes");
            classRows = new ArrayList<>();
            while (json.nextToken() == JsonToken.START_OBJECT) {
                String where = "classes[" + classRows.size() + "]";
                ClassRow row = new ClassRow();
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String field = json.currentName();
                    json.nextToken();
                    switch (field) {
                        case "class" -> {
                            if (integer(where + ".class") != classRows.size()) {
                                throw new IllegalArgumentException(where + ".class is not " + classRows.size()
                                        + ": the rows come in class order");
                            }
                        }
                        case "weights" -> numbers(where + ".weights", row.weights);
                        case "denseWeights" -> row.dense = primitiveArray(where + ".denseWeights");
                        case "bias" -> row.bias = number(where + ".bias");
                        case "state" -> {
                            expect(JsonToken.START_OBJECT, where + ".state");
                            while (json.nextToken() == JsonToken.FIELD_NAME) {
                                String part = json.currentName();
                                json.nextToken();
                                switch (part) {
                                    case "weights" -> {
                                        expect(JsonToken.START_OBJECT, where + ".state.weights");
                                        while (json.nextToken() == JsonToken.FIELD_NAME) {
                                            String name = json.currentName();
                                            json.nextToken();
                                            row.state.add(name, primitiveArray(where + ".state.weights." + name));
                                        }
                                    }
                                    case "denseWeights" -> row.denseState = primitiveArray(where
                                            + ".state.denseWeights");
                                    case "bias" -> row.biasState = primitiveArray(where + ".state.bias");
                                    default -> json.skipChildren();
                                }
                            }
                        }
                        default -> json.skipChildren();
                    }
                }
                classRows.add(row);
            }
            if (classRows.size() < 2) {
                throw new IllegalArgumentException("classes: at least two rows expected");
            }
            present.add("state");
        }

        /**
         * A K-class line's rows into its header as the snapshot topic carries them: per named feature its K weights
         * (class 0 first) and K·S state values, K weights per dense feature, the K biases.
         */
        private void classWeights(ModelSnapshot header) {
            int outputs = classRows.size();
            int stateSize = stateNames.size();
            ClassRow first = classRows.get(0);
            Map<String, List<Double>> named = new LinkedHashMap<>();
            Map<String, List<Double>> namedState = new LinkedHashMap<>();
            int[][] weightAt = new int[outputs][];
            int[][] stateAt = new int[outputs][];
            for (int k = 0; k < outputs; k++) {
                weightAt[k] = classRows.get(k).weights.positionsOf(first.weights, "classes[" + k + "].weights");
                stateAt[k] = classRows.get(k).state.positionsOf(first.weights, "classes[" + k + "].state.weights");
            }
            for (int i = 0; i < first.weights.size(); i++) {
                String name = first.weights.name(i);
                double[] weightsOf = new double[outputs];
                double[] stateOf = new double[outputs * stateSize];
                for (int k = 0; k < outputs; k++) {
                    ClassRow row = classRows.get(k);
                    weightsOf[k] = row.weights.value(weightAt[k][i]);
                    double[] values = row.state.values(stateAt[k][i]);
                    if (values.length != stateSize) {
                        throw new IllegalArgumentException("classes[" + k + "].state.weights." + name + " has "
                                + values.length + " values, not " + stateSize + " (state.names)");
                    }
                    System.arraycopy(values, 0, stateOf, k * stateSize, stateSize);
                }
                named.put(name, PrimitiveLists.of(weightsOf, outputs));
                namedState.put(name, PrimitiveLists.of(stateOf, stateOf.length));
            }
            double[] biases = new double[outputs];
            double[] biasState = new double[outputs * stateSize];
            int denseCount = first.dense == null ? -1 : first.dense.length;
            double[] dense = denseCount < 0 ? null : new double[denseCount * outputs];
            double[] denseStates = denseCount < 0 ? null : new double[denseCount * outputs * stateSize];
            for (int k = 0; k < outputs; k++) {
                ClassRow row = classRows.get(k);
                String where = "classes[" + k + "]";
                if (row.weights.size() != first.weights.size()) {
                    throw new IllegalArgumentException(where + ".weights names other features than classes[0]");
                }
                biases[k] = row.bias;
                if (row.biasState.length != stateSize) {
                    throw new IllegalArgumentException(where + ".state.bias has " + row.biasState.length
                            + " values, not " + stateSize + " (state.names)");
                }
                System.arraycopy(row.biasState, 0, biasState, k * stateSize, stateSize);
                if (dense != null) {
                    if (row.dense == null || row.dense.length != denseCount || row.denseState == null
                            || row.denseState.length != denseCount * stateSize) {
                        throw new IllegalArgumentException(where + ": denseWeights and state.denseWeights of "
                                + denseCount + " features expected, as in classes[0]");
                    }
                    for (int i = 0; i < denseCount; i++) {
                        dense[i * outputs + k] = row.dense[i];
                        System.arraycopy(row.denseState, i * stateSize, denseStates, (i * outputs + k) * stateSize,
                                stateSize);
                    }
                }
            }
            header.setNamedWeights(new LinkedHashMap<>());
            header.setBias(0.0);
            header.setDenseWeights(dense == null ? null : PrimitiveLists.of(dense, dense.length));
            header.setClassWeights(new ClassWeights(PrimitiveLists.of(biases, outputs), named));
            header.getOptimizerState().setNamedState(namedState);
            header.getOptimizerState().setDenseState(denseStates == null ? null
                    : PrimitiveLists.of(denseStates, denseStates.length));
            header.getOptimizerState().setBiasState(PrimitiveLists.of(biasState, biasState.length));
        }

        /** The named weights of a line in parts, joined by name with their steps and state values. */
        private ModelSnapshotPart partWeights(long generation) {
            int stateSize = stateNames.size();
            int n = weights.size();
            int[] stepAt = steps.positionsOf(weights, "steps");
            int[] stateAt = stateValues.positionsOf(weights, "state.weights");
            List<String> names = new ArrayList<>();
            int hashed = 0;
            for (int i = 0; i < n; i++) {
                if (Example.bucketOf(weights.name(i)) >= 0) {
                    hashed++;
                }
            }
            double[] namedWeights = new double[n - hashed];
            double[] namedStates = new double[(n - hashed) * stateSize];
            long[] namedSteps = new long[n - hashed];
            int[] buckets = new int[hashed];
            double[] bucketWeights = new double[hashed];
            double[] bucketStates = new double[hashed * stateSize];
            long[] bucketSteps = new long[hashed];
            int b = 0;
            for (int i = 0; i < n; i++) {
                String name = weights.name(i);
                double[] state = stateValues.values(stateAt[i]);
                if (state.length != stateSize) {
                    throw new IllegalArgumentException("state.weights." + name + " has " + state.length
                            + " values, not " + stateSize + " (state.names)");
                }
                long step = steps.integer(stepAt[i]);
                if (step < 0) {
                    throw new IllegalArgumentException("steps." + name + " is not a version: " + step);
                }
                int bucket = Example.bucketOf(name);
                if (bucket >= 0) {
                    buckets[b] = bucket;
                    bucketWeights[b] = weights.value(i);
                    System.arraycopy(state, 0, bucketStates, b * stateSize, stateSize);
                    bucketSteps[b++] = step;
                } else {
                    int at = names.size();
                    names.add(name);
                    namedWeights[at] = weights.value(i);
                    System.arraycopy(state, 0, namedStates, at * stateSize, stateSize);
                    namedSteps[at] = step;
                }
            }
            int named = names.size();
            return new ModelSnapshotPart(modelKey, generation, 0, version,
                    new NamedWeights(names, PrimitiveLists.of(namedWeights, named),
                            PrimitiveLists.of(namedStates, named * stateSize), PrimitiveLists.of(namedSteps, named)),
                    new BucketWeights(PrimitiveLists.of(buckets, hashed), PrimitiveLists.of(bucketWeights, hashed),
                            PrimitiveLists.of(bucketStates, hashed * stateSize), PrimitiveLists.of(bucketSteps, hashed)));
        }

        private void state() throws IOException {
            expect(JsonToken.START_OBJECT, "state");
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                if (json.nextToken() == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "names" -> {
                        expect(JsonToken.START_ARRAY, "state.names");
                        List<String> names = new ArrayList<>();
                        while (json.nextToken() != JsonToken.END_ARRAY) {
                            names.add(text("state.names"));
                        }
                        stateNames = names;
                    }
                    case "weights" -> {
                        expect(JsonToken.START_OBJECT, "state.weights");
                        while (json.nextToken() == JsonToken.FIELD_NAME) {
                            String name = json.currentName();
                            json.nextToken();
                            stateValues.add(name, primitiveArray("state.weights." + name));
                        }
                    }
                    case "denseWeights" -> denseState = array("state.denseWeights");
                    case "bias" -> biasState = array("state.bias");
                    default -> json.skipChildren();
                }
            }
        }

        private void metrics() throws IOException {
            expect(JsonToken.START_OBJECT, "metrics");
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                String path = "metrics." + field;
                if (json.nextToken() == JsonToken.VALUE_NULL) {
                    continue;
                }
                present.add(path);
                switch (field) {
                    case "count" -> metrics.setCount(integer(path));
                    case "meanLoss" -> metrics.setMeanLoss(number(path));
                    case "windowSize" -> metrics.setWindowSize((int) integer(path));
                    case "windowMeanLoss" -> metrics.setWindowMeanLoss(number(path));
                    case "rmse" -> metrics.setRmse(number(path));
                    case "mae" -> metrics.setMae(number(path));
                    case "accuracy" -> metrics.setAccuracy(number(path));
                    case "logLoss" -> metrics.setLogLoss(number(path));
                    case "recentLosses" -> metrics.setRecentLosses(array(path));
                    case "windowLossSum" -> metrics.setWindowLossSum(number(path));
                    case "lossSum" -> metrics.setLossSum(number(path));
                    case "squaredErrorSum" -> metrics.setSquaredErrorSum(number(path));
                    case "absoluteErrorSum" -> metrics.setAbsoluteErrorSum(number(path));
                    case "correct" -> metrics.setCorrect(integer(path));
                    case "macroF1" -> metrics.setMacroF1(number(path));
                    case "windowAccuracy" -> metrics.setWindowAccuracy(number(path));
                    case "windowMacroF1" -> metrics.setWindowMacroF1(number(path));
                    case "labeledCounts" -> metrics.setLabeledCounts(longs(path));
                    case "predictedCounts" -> metrics.setPredictedCounts(longs(path));
                    case "truePositives" -> metrics.setTruePositives(longs(path));
                    case "recentLabels" -> metrics.setRecentLabels(ints(path));
                    case "recentPredictions" -> metrics.setRecentPredictions(ints(path));
                    default -> json.skipChildren();
                }
            }
        }

        /** A model's {@code outcomes}: the counts by name (0 when absent) and the sums and histogram as written. */
        private OutcomeMetrics outcomes() throws IOException {
            expect(JsonToken.START_OBJECT, "outcomes");
            Long[] counts = new Long[DECISION_FIELDS.size()];
            java.util.Arrays.fill(counts, 0L);
            List<Double> lossSums = null;
            List<Integer> buckets = List.of();
            List<Long> delays = List.of();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                String path = "outcomes." + field;
                json.nextToken();
                int decision = DECISION_FIELDS.indexOf(field);
                if (decision >= 0) {
                    counts[decision] = integer(path);
                    continue;
                }
                switch (field) {
                    case "lossSums" -> lossSums = array(path);
                    case "delayBuckets" -> buckets = ints(path);
                    case "delayCounts" -> delays = longs(path);
                    // servedMeanLoss, learnedMeanLoss, delayP50Ms, delayP99Ms: computed from the fields above.
                    default -> json.skipChildren();
                }
            }
            if (lossSums == null || lossSums.size() != 4) {
                throw new IllegalArgumentException("outcomes.lossSums: 4 numbers expected (served, then learned, "
                        + "loss sums of joined and defaulted events)");
            }
            if (buckets.size() != delays.size()) {
                throw new IllegalArgumentException("outcomes.delayBuckets and outcomes.delayCounts differ in length");
            }
            return new OutcomeMetrics(List.of(counts), lossSums, buckets, delays);
        }

        private void hyperParameters() throws IOException {
            expect(JsonToken.START_OBJECT, "hyperParameters");
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("classNames") && value == JsonToken.START_ARRAY) {
                    while (json.nextToken() != JsonToken.END_ARRAY) {
                        classNames.add(text("hyperParameters.classNames"));
                    }
                } else if (value == JsonToken.VALUE_STRING) {
                    hyper.put(field, json.getText());
                } else if (value.isNumeric()) {
                    hyper.put(field, json.getNumberValue());
                } else {
                    json.skipChildren();
                }
            }
        }

        /**
         * The hyper-parameters read, each missing one at its schema default (or empty, zero); a line in parts needs
         * the learning ones, to bring its weights up to date.
         */
        private HyperParameters hyperParameters(boolean required) {
            HyperParameters.Builder builder = HyperParameters.newBuilder();
            if (required) {
                for (String field : List.of("optimizer", "loss", "schedule", "learningRate", "powerT", "alpha", "t0",
                        "momentum", "adamBeta2", "epsilon", "l2", "l1", "clipValue", "clipNorm", "lossSmoothing")) {
                    if (!hyper.containsKey(field)) {
                        throw new IllegalArgumentException("a line in parts needs hyperParameters." + field
                                + ", to bring its weights up to date");
                    }
                }
            }
            builder.setOptimizer(hyperText("optimizer", ""));
            builder.setLoss(hyperText("loss", ""));
            builder.setSchedule(hyperText("schedule", builder.getSchedule()));
            builder.setLearningRate(hyperNumber("learningRate", 0.0).doubleValue());
            builder.setPowerT(hyperNumber("powerT", builder.getPowerT()).doubleValue());
            builder.setAlpha(hyperNumber("alpha", builder.getAlpha()).doubleValue());
            builder.setT0(hyperNumber("t0", builder.getT0()).doubleValue());
            builder.setMomentum(hyperNumber("momentum", 0.0).doubleValue());
            builder.setAdamBeta2(hyperNumber("adamBeta2", builder.getAdamBeta2()).doubleValue());
            builder.setEpsilon(hyperNumber("epsilon", builder.getEpsilon()).doubleValue());
            builder.setL2(hyperNumber("l2", builder.getL2()).doubleValue());
            builder.setL1(hyperNumber("l1", builder.getL1()).doubleValue());
            builder.setClipValue(hyperNumber("clipValue", builder.getClipValue()).doubleValue());
            builder.setClipNorm(hyperNumber("clipNorm", builder.getClipNorm()).doubleValue());
            builder.setHashBits(hyperNumber("hashBits", builder.getHashBits()).intValue());
            builder.setLossSmoothing(hyperNumber("lossSmoothing", 0.0).doubleValue());
            builder.setSnapshotEvery(hyperNumber("snapshotEvery", 0L).longValue());
            // Written only for the models they concern: their schema defaults otherwise.
            builder.setFtrlAlpha(hyperNumber("ftrlAlpha", schemaDefault("ftrlAlpha")).doubleValue());
            builder.setFtrlBeta(hyperNumber("ftrlBeta", schemaDefault("ftrlBeta")).doubleValue());
            builder.setClasses(hyperNumber("classes", schemaDefault("classes")).intValue());
            builder.setClassNames(List.copyOf(classNames));
            return builder.build();
        }

        private static Number schemaDefault(String field) {
            return (Number) HyperParameters.getClassSchema().getField(field).defaultVal();
        }

        private String hyperText(String field, String otherwise) {
            Object value = hyper.get(field);
            if (value != null && !(value instanceof String)) {
                throw new IllegalArgumentException("hyperParameters." + field + ": a string expected");
            }
            return value == null ? otherwise : (String) value;
        }

        private Number hyperNumber(String field, Number otherwise) {
            Object value = hyper.get(field);
            if (value != null && !(value instanceof Number)) {
                throw new IllegalArgumentException("hyperParameters." + field + ": a number expected");
            }
            return value == null ? otherwise : (Number) value;
        }

        private void parts() throws IOException {
            expect(JsonToken.START_OBJECT, "parts");
            layout = new HashMap<>();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                json.nextToken();
                switch (field) {
                    case "base" -> base = bool("parts.base");
                    case "generation", "baseParts", "parts", "baseWeights", "weightsSinceBase" -> {
                        long value = integer("parts." + field);
                        if (value < 0 || (!field.equals("generation") && !field.endsWith("Weights")
                                && value > Integer.MAX_VALUE)) {
                            throw new IllegalArgumentException("parts." + field + " out of range: " + value);
                        }
                        layout.put(field, value);
                    }
                    default -> json.skipChildren();
                }
            }
            for (String field : List.of("generation", "baseParts", "parts", "baseWeights", "weightsSinceBase")) {
                if (!layout.containsKey(field)) {
                    throw new IllegalArgumentException("parts." + field + " missing");
                }
            }
            if (base == null) {
                throw new IllegalArgumentException("parts.base missing");
            }
        }

        private void inputPosition() throws IOException {
            expect(JsonToken.START_OBJECT, "inputPosition");
            String topic = null;
            Long partition = null;
            Long offset = null;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                json.nextToken();
                switch (field) {
                    case "topic" -> topic = text("inputPosition.topic");
                    case "partition" -> partition = integer("inputPosition.partition");
                    case "offset" -> offset = integer("inputPosition.offset");
                    default -> json.skipChildren();
                }
            }
            if (topic == null || partition == null || offset == null) {
                throw new IllegalArgumentException("inputPosition needs topic, partition and offset");
            }
            inputPosition = new InputPosition(topic, partition.intValue(), offset);
        }

        /** {@code "scalers": {feature: {"count", "mean", "m2"}, …}}, in ascending feature name order. */
        private void scalers() throws IOException {
            expect(JsonToken.START_OBJECT, "scalers");
            java.util.SortedMap<String, FeatureScaler> read = new TreeMap<>();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String feature = json.currentName();
                String where = "scalers." + feature;
                json.nextToken();
                expect(JsonToken.START_OBJECT, where);
                Long count = null;
                Double mean = null;
                Double m2 = null;
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String field = json.currentName();
                    json.nextToken();
                    switch (field) {
                        case "count" -> count = integer(where + ".count");
                        case "mean" -> mean = number(where + ".mean");
                        case "m2" -> m2 = number(where + ".m2");
                        default -> json.skipChildren();
                    }
                }
                if (count == null || mean == null || m2 == null) {
                    throw new IllegalArgumentException(where + " needs count, mean and m2");
                }
                read.put(feature, new FeatureScaler(feature, count, mean, m2));
            }
            scalers = read.isEmpty() ? null : new ArrayList<>(read.values());
        }

        /** An object of integers, name → integer, into {@code into}. */
        private void integers(String field, Column into) throws IOException {
            expect(JsonToken.START_OBJECT, field);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                json.nextToken();
                into.add(name, integer(field + "." + name));
            }
        }

        /** An object of numbers, name → number, into {@code into}. */
        private void numbers(String field, Column into) throws IOException {
            expect(JsonToken.START_OBJECT, field);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String name = json.currentName();
                json.nextToken();
                into.add(name, number(field + "." + name));
            }
        }

        private List<Long> longs(String field) throws IOException {
            expect(JsonToken.START_ARRAY, field);
            List<Long> values = new ArrayList<>();
            while (json.nextToken() != JsonToken.END_ARRAY) {
                values.add(integer(field));
            }
            return values;
        }

        private List<Integer> ints(String field) throws IOException {
            List<Integer> values = new ArrayList<>();
            for (long value : longs(field)) {
                values.add(Math.toIntExact(value));
            }
            return values;
        }

        private List<Double> array(String field) throws IOException {
            double[] values = primitiveArray(field);
            return PrimitiveLists.of(values, values.length);
        }

        private double[] primitiveArray(String field) throws IOException {
            expect(JsonToken.START_ARRAY, field);
            double[] values = new double[4];
            int n = 0;
            while (json.nextToken() != JsonToken.END_ARRAY) {
                if (n == values.length) {
                    values = Arrays.copyOf(values, 2 * n);
                }
                values[n++] = number(field);
            }
            return Arrays.copyOf(values, n);
        }

        private void expect(JsonToken token, String field) {
            if (json.currentToken() != token) {
                throw new IllegalArgumentException(field + ": " + (token == JsonToken.START_OBJECT ? "an object"
                        : "an array") + " expected");
            }
        }

        private String text(String field) throws IOException {
            if (json.currentToken() != JsonToken.VALUE_STRING) {
                throw new IllegalArgumentException(field + ": a string expected");
            }
            return json.getText();
        }

        private double number(String field) throws IOException {
            JsonToken token = json.currentToken();
            if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
                throw new IllegalArgumentException(field + ": a number expected");
            }
            return json.getDoubleValue();
        }

        private long integer(String field) throws IOException {
            if (json.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new IllegalArgumentException(field + ": an integer expected");
            }
            return json.getLongValue();
        }

        private boolean bool(String field) throws IOException {
            JsonToken token = json.currentToken();
            if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                throw new IllegalArgumentException(field + ": true or false expected");
            }
            return token == JsonToken.VALUE_TRUE;
        }
    }

    /**
     * Names with a number each (or, through {@link #add(String, long)}, with an integer each, or through
     * {@link #add(String, double[])}, with an array each), in the order read.
     */
    private static final class Column {
        private final List<String> names = new ArrayList<>();
        private double[] values = new double[16];
        private long[] integers;
        private double[][] arrays;

        void add(String name, double value) {
            if (names.size() == values.length) {
                values = Arrays.copyOf(values, 2 * values.length);
            }
            values[names.size()] = value;
            names.add(name);
        }

        void add(String name, long integer) {
            if (integers == null) {
                integers = new long[16];
            } else if (names.size() == integers.length) {
                integers = Arrays.copyOf(integers, 2 * integers.length);
            }
            integers[names.size()] = integer;
            names.add(name);
        }

        void add(String name, double[] array) {
            if (arrays == null) {
                arrays = new double[16][];
            } else if (names.size() == arrays.length) {
                arrays = Arrays.copyOf(arrays, 2 * arrays.length);
            }
            arrays[names.size()] = array;
            names.add(name);
        }

        int size() {
            return names.size();
        }

        String name(int i) {
            return names.get(i);
        }

        double value(int i) {
            return values[i];
        }

        long integer(int i) {
            return integers[i];
        }

        double[] values(int i) {
            return arrays[i];
        }

        /**
         * For each name of {@code of}, its position here: the same position when both list the same names in the
         * same order (as written), else found by name.
         *
         * @throws IllegalArgumentException when a name of {@code of} is not here
         */
        int[] positionsOf(Column of, String field) {
            int[] positions = new int[of.size()];
            if (names.equals(of.names)) {
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = i;
                }
                return positions;
            }
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
            for (int i = 0; i < positions.length; i++) {
                Integer at = index.get(of.name(i));
                if (at == null) {
                    throw new IllegalArgumentException(field + " has no entry for weight '" + of.name(i) + "'");
                }
                positions[i] = at;
            }
            return positions;
        }
    }
}
