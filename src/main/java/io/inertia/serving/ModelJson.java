package io.inertia.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.PrequentialMetrics;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A model as the API's JSON, written field by field as it goes, never built as a tree: the fields of
 * {@code inertia snapshots} ({@code modelKey}, {@code version}, {@code weights}, {@code denseWeights}, {@code bias},
 * {@code state}, {@code runningLoss}, {@code metrics}, {@code lastEventTimestamp}, {@code halted} when halted,
 * {@code hyperParameters}) in that order, then {@code optimizer} and {@code instance}. Without weights, the same less
 * {@code weights}, {@code denseWeights} and {@code state}.
 *
 * <p>Every weight is written as of the header's version (brought up to date by the optimizer's closed forms, as a
 * snapshot brings it), named features in name order then buckets ({@code "#b"}) in bucket order. A model of a million
 * weights is about 50 MB of JSON: written to the client as it is produced, it never is in memory whole.
 */
final class ModelJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ModelJson() {
    }

    /** The header's JSON without weights, as bytes (a few hundred bytes plus the metrics). */
    static byte[] header(ModelSnapshot header, String instance) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("modelKey", header.getModelKey());
            json.writeNumberField("version", header.getVersion());
            json.writeNumberField("bias", header.getBias());
            tail(json, header, instance);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the model whole to {@code out}: {@code header} (the model's own, see {@link ModelReader#header}) and the
     * named weights of {@code model}, which nothing else may change meanwhile (a copy, or a stored model).
     */
    static void whole(OutputStream out, ModelSnapshot header, LinearModel model, OnlineLearner learner,
            String instance) throws IOException {
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
            tail(json, header, instance);
        }
    }

    /** The fields after the weights: running loss, metrics, timestamp, halted, hyper-parameters, optimizer, instance. */
    private static void tail(JsonGenerator json, ModelSnapshot header, String instance) throws IOException {
        json.writeNumberField("runningLoss", header.getRunningLoss());
        PrequentialMetrics metrics = header.getMetrics();
        json.writeObjectFieldStart("metrics");
        json.writeNumberField("count", metrics.getCount());
        json.writeNumberField("meanLoss", metrics.getMeanLoss());
        json.writeNumberField("windowSize", metrics.getWindowSize());
        json.writeNumberField("windowMeanLoss", metrics.getWindowMeanLoss());
        optional(json, "rmse", metrics.getRmse());
        optional(json, "mae", metrics.getMae());
        optional(json, "accuracy", metrics.getAccuracy());
        optional(json, "logLoss", metrics.getLogLoss());
        json.writeEndObject();
        json.writeNumberField("lastEventTimestamp", header.getLastEventTimestamp());
        if (header.getHalted()) {
            json.writeBooleanField("halted", true);
        }
        HyperParameters hyper = header.getHyperParameters();
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
