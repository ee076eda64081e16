package io.inertia.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.inertia.avro.ClassWeights;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@link ModelSnapshot} as one line of plain JSON, the format of {@code replay --output} and {@code snapshots}:
 * {@code modelKey}, {@code version}, {@code weights} (feature name → weight), {@code denseWeights} (when the model has
 * dense features), {@code bias}, the optimizer {@code state} (its value names, and per weight and for the bias the list
 * of values, e.g. [velocity] or [m, u]), {@code runningLoss}, {@code lastEventTimestamp},
 * {@code hyperParameters}, and {@code "halted": true} only for a model halted after a divergence. Doubles are
 * written in their shortest exact form, so parsing a line gives back the same doubles.
 *
 * <p>A K-class (softmax) model has no top-level weights, dense weights and bias: its {@code classes} are K rows, one
 * per class in class order, each {@code {"class": k, "name" (when the classes have names), "weights", "denseWeights",
 * "bias", "state": {"weights", "denseWeights", "bias"}}} as a single-output model has them; the top-level
 * {@code state} then holds only the value names.
 */
public final class SnapshotJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotJson() {
    }

    /** {@code snapshot} as a single line of JSON, without a line break. */
    public static String toLine(ModelSnapshot snapshot) {
        ObjectNode node = JSON.createObjectNode();
        node.put("modelKey", snapshot.getModelKey());
        node.put("version", snapshot.getVersion());
        OptimizerState optimizer = snapshot.getOptimizerState();
        if (snapshot.getClassWeights() == null) {
            putMap(node.putObject("weights"), snapshot.getNamedWeights());
            if (snapshot.getDenseWeights() != null) {
                snapshot.getDenseWeights().forEach(node.putArray("denseWeights")::add);
            }
            node.put("bias", snapshot.getBias());
            ObjectNode state = node.putObject("state");
            optimizer.getStateNames().forEach(state.putArray("names")::add);
            ObjectNode namedState = state.putObject("weights");
            new TreeMap<>(optimizer.getNamedState()).forEach((name, values) ->
                    values.forEach(namedState.putArray(name)::add));
            if (optimizer.getDenseState() != null) {
                optimizer.getDenseState().forEach(state.putArray("denseWeights")::add);
            }
            optimizer.getBiasState().forEach(state.putArray("bias")::add);
        } else {
            optimizer.getStateNames().forEach(node.putObject("state").putArray("names")::add);
            putClasses(node.putArray("classes"), snapshot);
        }
        node.put("runningLoss", snapshot.getRunningLoss());
        var metrics = snapshot.getMetrics();
        ObjectNode evaluation = node.putObject("metrics");
        evaluation.put("count", metrics.getCount());
        evaluation.put("meanLoss", metrics.getMeanLoss());
        evaluation.put("windowSize", metrics.getWindowSize());
        evaluation.put("windowMeanLoss", metrics.getWindowMeanLoss());
        putIfPresent(evaluation, "rmse", metrics.getRmse());
        putIfPresent(evaluation, "mae", metrics.getMae());
        putIfPresent(evaluation, "accuracy", metrics.getAccuracy());
        putIfPresent(evaluation, "logLoss", metrics.getLogLoss());
        putIfPresent(evaluation, "macroF1", metrics.getMacroF1());
        putIfPresent(evaluation, "windowAccuracy", metrics.getWindowAccuracy());
        putIfPresent(evaluation, "windowMacroF1", metrics.getWindowMacroF1());
        node.put("lastEventTimestamp", snapshot.getLastEventTimestamp());
        if (snapshot.getHalted()) {
            // Only when set, so that the lines of models that learn normally keep their form.
            node.put("halted", true);
        }
        HyperParameters hyper = snapshot.getHyperParameters();
        ObjectNode settings = node.putObject("hyperParameters");
        settings.put("optimizer", hyper.getOptimizer());
        settings.put("loss", hyper.getLoss());
        settings.put("schedule", hyper.getSchedule());
        settings.put("learningRate", hyper.getLearningRate());
        settings.put("powerT", hyper.getPowerT());
        settings.put("alpha", hyper.getAlpha());
        settings.put("t0", hyper.getT0());
        settings.put("momentum", hyper.getMomentum());
        settings.put("adamBeta2", hyper.getAdamBeta2());
        settings.put("epsilon", hyper.getEpsilon());
        settings.put("l2", hyper.getL2());
        settings.put("l1", hyper.getL1());
        settings.put("clipValue", hyper.getClipValue());
        settings.put("clipNorm", hyper.getClipNorm());
        settings.put("hashBits", hyper.getHashBits());
        settings.put("lossSmoothing", hyper.getLossSmoothing());
        settings.put("snapshotEvery", hyper.getSnapshotEvery());
        // Only where they mean something, so that the lines of other models keep their form.
        if (hyper.getOptimizer().equals("ftrl")) {
            settings.put("ftrlAlpha", hyper.getFtrlAlpha());
            settings.put("ftrlBeta", hyper.getFtrlBeta());
        }
        if (hyper.getClasses() > 1) {
            settings.put("classes", hyper.getClasses());
            hyper.getClassNames().forEach(settings.putArray("classNames")::add);
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write snapshot as JSON", e);
        }
    }

    /** The K rows of a K-class model (see the class documentation). */
    private static void putClasses(ArrayNode rows, ModelSnapshot snapshot) {
        ClassWeights classes = snapshot.getClassWeights();
        OptimizerState optimizer = snapshot.getOptimizerState();
        List<String> names = snapshot.getHyperParameters().getClassNames();
        int outputs = classes.getBiases().size();
        int stateSize = optimizer.getStateNames().size();
        SortedMap<String, List<Double>> named = new TreeMap<>(classes.getNamedWeights());
        SortedMap<String, List<Double>> namedState = new TreeMap<>(optimizer.getNamedState());
        List<Double> dense = snapshot.getDenseWeights();
        List<Double> denseState = optimizer.getDenseState();
        for (int k = 0; k < outputs; k++) {
            int c = k;
            ObjectNode row = rows.addObject();
            row.put("class", k);
            if (names.size() == outputs) {
                row.put("name", names.get(k));
            }
            ObjectNode weights = row.putObject("weights");
            named.forEach((name, values) -> weights.put(name, values.get(c)));
            if (dense != null) {
                ArrayNode denseWeights = row.putArray("denseWeights");
                for (int i = c; i < dense.size(); i += outputs) {
                    denseWeights.add(dense.get(i));
                }
            }
            row.put("bias", classes.getBiases().get(k));
            ObjectNode state = row.putObject("state");
            ObjectNode weightState = state.putObject("weights");
            namedState.forEach((name, values) ->
                    values.subList(c * stateSize, (c + 1) * stateSize).forEach(weightState.putArray(name)::add));
            if (denseState != null) {
                ArrayNode values = state.putArray("denseWeights");
                for (int j = c; j < dense.size(); j += outputs) {
                    denseState.subList(j * stateSize, (j + 1) * stateSize).forEach(values::add);
                }
            }
            optimizer.getBiasState().subList(c * stateSize, (c + 1) * stateSize).forEach(state.putArray("bias")::add);
        }
    }

    private static void putIfPresent(ObjectNode target, String name, Double value) {
        if (value != null) {
            target.put(name, value);
        }
    }

    private static void putMap(ObjectNode target, Map<String, Double> values) {
        // Sorted, so equal snapshots always print the same line.
        new TreeMap<>(values).forEach(target::put);
    }
}
