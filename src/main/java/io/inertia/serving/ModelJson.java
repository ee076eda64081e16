package io.inertia.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.avro.PrequentialMetrics;
import io.inertia.io.SnapshotJson;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.topology.ModelView;
import io.inertia.topology.SnapshotCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A model as the API's JSON, written field by field as it goes, never built as a tree: the fields of
 * {@code inertia snapshots} ({@code modelKey}, {@code version}, {@code weights}, {@code denseWeights}, {@code bias},
 * {@code state}, {@code runningLoss}, {@code metrics}, {@code outcomes} with the outcome joiner's decisions about the
 * model (see {@link SnapshotJson#writeOutcomes}), {@code lastEventTimestamp}, {@code halted} when halted,
 * {@code hyperParameters}) in that order, then {@code optimizer} and {@code instance}. Without weights, the same less
 * {@code weights}, {@code denseWeights} and {@code state}.
 *
 * <p>Every weight is written as of the header's version (brought up to date by the optimizer's closed forms, as a
 * snapshot brings it), named features in name order then buckets ({@code "#b"}) in bucket order. A model of a million
 * weights is about 50 MB of JSON: written to the client as it is produced, it never is in memory whole.
 *
 * <p>A K-class (softmax) model is written as a whole snapshot line writes it (its {@code classes} rows, see
 * {@link SnapshotJson}), built in memory from a copy; without weights, its rows keep their class, name and bias, and
 * its metrics show the macro F1.
 */
final class ModelJson {

    /** Doubles written as the shortest decimal that reads back the same (see {@link Predictions}'s factory). */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private final HyperParameters hyperParameters;
    private final OnlineLearner learner;
    private final Loss loss;
    private final String instance;
    /** The fields after the metrics for the hyper-parameters in force: the same for every model of this instance. */
    private final byte[] tail;

    /** The JSON of this instance's models, learned with {@code hyperParameters} by {@code learner}. */
    ModelJson(HyperParameters hyperParameters, OnlineLearner learner, String instance) {
        this.hyperParameters = hyperParameters;
        this.learner = learner;
        this.loss = learner.loss();
        this.instance = instance;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            // Written as the fields of an object, then cut out of it.
            json.writeStartObject();
            json.writeNumberField("x", 0);
            settings(json, hyperParameters, instance);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] all = out.toByteArray();
        String prefix = "{\"x\":0";
        this.tail = java.util.Arrays.copyOfRange(all, prefix.length(), all.length);
    }

    /**
     * The scalar fields of a model's header, all a reply without weights shows: read under the model's lock in
     * O(1), written out after it.
     */
    record Header(String key, long version, double bias, double runningLoss, long count, double meanLoss,
            int windowSize, double windowMeanLoss, Double rmse, Double mae, Double accuracy, Double logLoss,
            long lastEventTimestamp, boolean halted, HyperParameters hyperParameters, List<Double> biases,
            Double macroF1) {
    }

    /** The header of a model in memory (or loaded whole), its metrics as a snapshot records them. */
    Header header(ModelView view) {
        LinearModel model = view.model();
        if (model.outputs() > 1) {
            // The K biases and the class metrics as a snapshot records them: O(K + the metrics' window).
            return header(SnapshotCodec.toHeader(view.key(), model, learner, hyperParameters,
                    view.lastEventTimestamp()));
        }
        io.inertia.model.PrequentialMetrics metrics = model.metrics();
        boolean classification = loss.classification();
        return new Header(view.key(), model.version(), model.bias(), model.runningLoss(),
                metrics.count(), metrics.meanLoss(), metrics.windowSize(), metrics.windowMeanLoss(),
                classification ? null : metrics.rmse(), classification ? null : metrics.mae(),
                classification ? metrics.accuracy() : null, loss.name().equals("logistic") ? metrics.meanLoss() : null,
                view.lastEventTimestamp(), view.halted(), hyperParameters, null, null);
    }

    /** The header of a stored model, as its store wrote it. */
    static Header header(ModelSnapshot stored) {
        PrequentialMetrics metrics = stored.getMetrics();
        return new Header(stored.getModelKey(), stored.getVersion(), stored.getBias(), stored.getRunningLoss(),
                metrics.getCount(), metrics.getMeanLoss(), metrics.getWindowSize(), metrics.getWindowMeanLoss(),
                metrics.getRmse(), metrics.getMae(), metrics.getAccuracy(), metrics.getLogLoss(),
                stored.getLastEventTimestamp(), stored.getHalted(), stored.getHyperParameters(),
                stored.getClassWeights() == null ? null : List.copyOf(stored.getClassWeights().getBiases()),
                metrics.getMacroF1());
    }

    /** The model's JSON without weights, as bytes (a few hundred). */
    byte[] header(Header header) {
        return header(header, null);
    }

    /** As {@link #header(Header)}, with the model's {@code outcomes} when not null. */
    byte[] header(Header header, OutcomeMetrics outcomes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        boolean ownSettings = !header.hyperParameters().equals(hyperParameters);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            // The object is finished by the tail below, not by closing the generator.
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
            json.writeStartObject();
            json.writeStringField("modelKey", header.key());
            json.writeNumberField("version", header.version());
            if (header.biases() != null) {
                // A K-class model's rows as a whole model has them, less their weights and state.
                List<String> names = header.hyperParameters().getClassNames();
                json.writeArrayFieldStart("classes");
                for (int k = 0; k < header.biases().size(); k++) {
                    json.writeStartObject();
                    json.writeNumberField("class", k);
                    if (names.size() == header.biases().size()) {
                        json.writeStringField("name", names.get(k));
                    }
                    json.writeNumberField("bias", header.biases().get(k));
                    json.writeEndObject();
                }
                json.writeEndArray();
            } else {
                json.writeNumberField("bias", header.bias());
            }
            json.writeNumberField("runningLoss", header.runningLoss());
            metrics(json, header);
            if (outcomes != null) {
                SnapshotJson.writeOutcomes(json, outcomes);
            }
            json.writeNumberField("lastEventTimestamp", header.lastEventTimestamp());
            if (header.halted()) {
                json.writeBooleanField("halted", true);
            }
            if (ownSettings) {
                // Stored under other settings than this instance's (it has not learned since a restart).
                settings(json, header.hyperParameters(), instance);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!ownSettings) {
            out.writeBytes(tail);
        }
        return out.toByteArray();
    }

    /**
     * Writes the model whole to {@code out}: {@code header} (the model's own record, see {@link ModelReader#record})
     * and the named weights of {@code model}, which nothing else may change meanwhile (a copy, or a stored model).
     */
    void whole(OutputStream out, ModelSnapshot header, LinearModel model, OnlineLearner learner) throws IOException {
        if (model.outputs() > 1) {
            wholeClasses(out, header, model.copy(), learner);
            return;
        }
        int[] coordinates = model.sortedCoordinates();
        double[] slots = new double[model.slotWidth()];
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("modelKey", header.getModelKey());
            json.writeNumberField("version", header.getVersion());
            json.writeObjectFieldStart("weights");
            for (int i : coordinates) {
                learner.currentSlots(model, i, slots);
                json.writeNumberField(model.coordinateName(i), slots[0]);
            }
            json.writeEndObject();
            if (header.getDenseWeights() != null) {
                numbers(json, "denseWeights", header.getDenseWeights());
            }
            json.writeNumberField("bias", header.getBias());
            json.writeObjectFieldStart("state");
            json.writeArrayFieldStart("names");
            for (String name : header.getOptimizerState().getStateNames()) {
                json.writeString(name);
            }
            json.writeEndArray();
            json.writeObjectFieldStart("weights");
            for (int i : coordinates) {
                learner.currentSlots(model, i, slots);
                json.writeArrayFieldStart(model.coordinateName(i));
                for (int k = 1; k < slots.length; k++) {
                    json.writeNumber(slots[k]);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            if (header.getOptimizerState().getDenseState() != null) {
                numbers(json, "denseWeights", header.getOptimizerState().getDenseState());
            }
            numbers(json, "bias", header.getOptimizerState().getBiasState());
            json.writeEndObject();
            json.writeNumberField("runningLoss", header.getRunningLoss());
            metrics(json, header(header));
            if (header.getOutcomes() != null) {
                SnapshotJson.writeOutcomes(json, header.getOutcomes());
            }
            json.writeNumberField("lastEventTimestamp", header.getLastEventTimestamp());
            if (header.getHalted()) {
                json.writeBooleanField("halted", true);
            }
            settings(json, header.getHyperParameters(), instance);
        }
    }

    /** A K-class model whole: its snapshot line (built from {@code copy}, which it brings up to date), then ours. */
    private void wholeClasses(OutputStream out, ModelSnapshot header, LinearModel copy, OnlineLearner learner)
            throws IOException {
        ModelSnapshot snapshot = SnapshotCodec.toSnapshot(header.getModelKey(), copy, learner,
                header.getHyperParameters(), header.getLastEventTimestamp());
        snapshot.setHalted(header.getHalted());
        String line = SnapshotJson.toLine(snapshot);
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        try (JsonGenerator json = FACTORY.createGenerator(tail)) {
            json.writeStartObject();
            json.writeStringField("optimizer", header.getHyperParameters().getOptimizer());
            json.writeStringField("instance", instance);
            json.writeEndObject();
        }
        // The line's object without its closing brace, then our fields in place of the tail's opening one.
        out.write(line.substring(0, line.length() - 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.write(',');
        byte[] fields = tail.toByteArray();
        out.write(fields, 1, fields.length - 1);
    }

    private static void metrics(JsonGenerator json, Header header) throws IOException {
        json.writeObjectFieldStart("metrics");
        json.writeNumberField("count", header.count());
        json.writeNumberField("meanLoss", header.meanLoss());
        json.writeNumberField("windowSize", header.windowSize());
        json.writeNumberField("windowMeanLoss", header.windowMeanLoss());
        optional(json, "rmse", header.rmse());
        optional(json, "mae", header.mae());
        optional(json, "accuracy", header.accuracy());
        optional(json, "logLoss", header.logLoss());
        optional(json, "macroF1", header.macroF1());
        json.writeEndObject();
    }

    /** The hyper-parameters, the optimizer and the instance, and the end of the object. */
    private static void settings(JsonGenerator json, HyperParameters hyper, String instance) throws IOException {
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
        // As a snapshot line has them: only for the models they concern.
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
        json.writeStringField("optimizer", hyper.getOptimizer());
        json.writeStringField("instance", instance);
        json.writeEndObject();
    }

    private static void numbers(JsonGenerator json, String field, List<Double> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (double value : values) {
            json.writeNumber(value);
        }
        json.writeEndArray();
    }

    private static void optional(JsonGenerator json, String field, Double value) throws IOException {
        if (value != null) {
            json.writeNumberField(field, value);
        }
    }
}
