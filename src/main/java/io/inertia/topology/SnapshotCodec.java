package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import io.inertia.config.InertiaConfig;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.model.PrequentialMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Converts between the learning core's {@link LinearModel} and the {@link ModelSnapshot} record, the stored and
 * published form of a model. Maps are written in name order so that equal models give equal bytes.
 */
public final class SnapshotCodec {

    private SnapshotCodec() {
    }

    /** The hyper-parameters recorded in snapshots made under {@code config}. */
    public static HyperParameters hyperParameters(InertiaConfig config) {
        return HyperParameters.newBuilder()
                .setOptimizer(config.optimizerName())
                .setLoss(config.loss().describe())
                .setSchedule(config.schedule().name())
                .setLearningRate(config.learningRate())
                .setPowerT(config.powerT())
                .setAlpha(config.alpha())
                .setT0(config.t0())
                .setMomentum(config.momentum())
                .setAdamBeta2(config.adamBeta2())
                .setEpsilon(config.epsilon())
                .setL2(config.l2())
                .setL1(config.l1())
                .setClipValue(config.clipValue())
                .setClipNorm(config.clipNorm())
                .setHashBits(config.hashBits())
                .setLossSmoothing(config.lossSmoothing())
                .setSnapshotEvery(config.snapshotEvery())
                .build();
    }

    /**
     * The snapshot of {@code model}, trained by {@code learner}, whose last event had record timestamp
     * {@code lastEventTimestamp}; brings every named parameter up to date first (see {@link OnlineLearner#catchUp}).
     */
    public static ModelSnapshot toSnapshot(String modelKey, LinearModel model, OnlineLearner learner,
            HyperParameters hyperParameters, long lastEventTimestamp) {
        learner.catchUp(model);
        return toRecord(modelKey, model, learner, hyperParameters, lastEventTimestamp, true);
    }

    /**
     * The model's header: the snapshot without its named weights, which the coordinate store keeps one by one. Costs
     * O(dense dimension), whatever the number of named weights.
     */
    public static ModelSnapshot toHeader(String modelKey, LinearModel model, OnlineLearner learner,
            HyperParameters hyperParameters, long lastEventTimestamp) {
        return toRecord(modelKey, model, learner, hyperParameters, lastEventTimestamp, false);
    }

    private static ModelSnapshot toRecord(String modelKey, LinearModel model, OnlineLearner learner,
            HyperParameters hyperParameters, long lastEventTimestamp, boolean withNamed) {
        List<String> stateNames = learner.stateNames();
        int width = model.slotWidth();
        List<Double> denseWeights = null;
        List<Double> denseState = null;
        double[] dense = model.denseSlots();
        if (dense != null) {
            denseWeights = new ArrayList<>(dense.length / width);
            denseState = new ArrayList<>(dense.length / width * (width - 1));
            for (int offset = 0; offset < dense.length; offset += width) {
                denseWeights.add(dense[offset]);
                for (int k = 1; k < width; k++) {
                    denseState.add(dense[offset + k]);
                }
            }
        }
        Map<String, Double> namedWeights = new TreeMap<>();
        Map<String, List<Double>> namedState = new TreeMap<>();
        if (withNamed) {
            for (Map.Entry<String, double[]> parameter : model.namedSlots().entrySet()) {
                namedWeights.put(parameter.getKey(), parameter.getValue()[0]);
                namedState.put(parameter.getKey(), state(parameter.getValue()));
            }
        }
        return ModelSnapshot.newBuilder()
                .setModelKey(modelKey)
                .setVersion(model.version())
                .setDenseWeights(denseWeights)
                .setNamedWeights(namedWeights)
                .setBias(model.bias())
                .setOptimizerState(OptimizerState.newBuilder()
                        .setStateNames(stateNames)
                        .setDenseState(denseState)
                        .setNamedState(namedState)
                        .setBiasState(state(model.biasSlots()))
                        .build())
                .setL1Total(model.l1Total())
                .setHyperParameters(hyperParameters)
                .setMetrics(metrics(model.metrics(), learner.loss()))
                .setRunningLoss(model.runningLoss())
                .setLastEventTimestamp(lastEventTimestamp)
                .build();
    }

    private static io.inertia.avro.PrequentialMetrics metrics(PrequentialMetrics metrics, Loss loss) {
        boolean classification = loss.classification();
        List<Double> recent = new ArrayList<>();
        for (double value : metrics.recentLosses()) {
            recent.add(value);
        }
        return io.inertia.avro.PrequentialMetrics.newBuilder()
                .setCount(metrics.count())
                .setMeanLoss(metrics.meanLoss())
                .setWindowSize(metrics.windowSize())
                .setWindowMeanLoss(metrics.windowMeanLoss())
                .setRmse(classification ? null : metrics.rmse())
                .setMae(classification ? null : metrics.mae())
                .setAccuracy(classification ? metrics.accuracy() : null)
                .setLogLoss(loss.name().equals("logistic") ? metrics.meanLoss() : null)
                .setRecentLosses(recent)
                .setWindowLossSum(metrics.windowSum())
                .setLossSum(metrics.lossSum())
                .setSquaredErrorSum(metrics.squaredErrorSum())
                .setAbsoluteErrorSum(metrics.absoluteErrorSum())
                .setCorrect(metrics.correct())
                .build();
    }

    private static PrequentialMetrics metrics(io.inertia.avro.PrequentialMetrics stored) {
        double[] recent = new double[stored.getRecentLosses().size()];
        for (int i = 0; i < recent.length; i++) {
            recent[i] = stored.getRecentLosses().get(i);
        }
        return PrequentialMetrics.restore(stored.getWindowSize(), recent, stored.getWindowLossSum(), stored.getCount(),
                stored.getLossSum(), stored.getSquaredErrorSum(), stored.getAbsoluteErrorSum(), stored.getCorrect());
    }

    /**
     * The model a snapshot describes, ready to continue learning.
     *
     * @throws IllegalArgumentException when the snapshot is inconsistent (state missing or of another shape)
     */
    public static LinearModel toModel(ModelSnapshot snapshot) {
        OptimizerState state = snapshot.getOptimizerState();
        int stateSize = state.getStateNames().size();
        int width = 1 + stateSize;
        double[] dense = null;
        List<Double> denseWeights = snapshot.getDenseWeights();
        if (denseWeights != null) {
            List<Double> denseState = state.getDenseState();
            if (denseState == null || denseState.size() != denseWeights.size() * stateSize) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey()
                        + "' has dense weights without " + stateSize + " state values each");
            }
            dense = new double[denseWeights.size() * width];
            for (int i = 0; i < denseWeights.size(); i++) {
                dense[i * width] = denseWeights.get(i);
                for (int k = 0; k < stateSize; k++) {
                    dense[i * width + 1 + k] = denseState.get(i * stateSize + k);
                }
            }
        }
        SortedMap<String, double[]> named = new TreeMap<>();
        for (Map.Entry<String, Double> weight : snapshot.getNamedWeights().entrySet()) {
            named.put(weight.getKey(), slots(snapshot, weight.getKey(), weight.getValue(),
                    state.getNamedState().get(weight.getKey()), stateSize));
        }
        LinearModel model = LinearModel.restore(stateSize, dense, named,
                slots(snapshot, "bias", snapshot.getBias(), state.getBiasState(), stateSize), snapshot.getVersion(),
                snapshot.getRunningLoss(), metrics(snapshot.getMetrics()));
        model.restoreL1Total(snapshot.getL1Total());
        return model;
    }

    /** Coordinate {@code i} of {@code model} as stored in the coordinate store. */
    static ModelCoordinate toCoordinate(LinearModel model, int i) {
        // The constructor: a builder would resolve every field's default for every coordinate of every commit.
        return new ModelCoordinate(model.coordinateSlot(i, 0), state(model, i), model.lastStep(i));
    }

    /** The optimizer state values of coordinate {@code i} of {@code model}. */
    static List<Double> state(LinearModel model, int i) {
        int width = model.slotWidth();
        List<Double> values = new ArrayList<>(width - 1);
        for (int k = 1; k < width; k++) {
            values.add(model.coordinateSlot(i, k));
        }
        return values;
    }

    /** Adds a stored named weight to {@code model}. */
    static void putCoordinate(LinearModel model, String name, ModelCoordinate coordinate) {
        int stateSize = model.slotWidth() - 1;
        if (coordinate.getState().size() != stateSize) {
            throw new IllegalArgumentException("stored weight '" + name + "' has " + coordinate.getState().size()
                    + " state values, not " + stateSize);
        }
        double[] slots = new double[1 + stateSize];
        slots[0] = coordinate.getWeight();
        for (int k = 0; k < stateSize; k++) {
            slots[1 + k] = coordinate.getState().get(k);
        }
        model.putNamed(name, slots, coordinate.getLastStep());
    }

    private static List<Double> state(double[] slots) {
        List<Double> values = new ArrayList<>(slots.length - 1);
        for (int k = 1; k < slots.length; k++) {
            values.add(slots[k]);
        }
        return values;
    }

    private static double[] slots(ModelSnapshot snapshot, String parameter, double value, List<Double> state,
            int stateSize) {
        if (state == null || state.size() != stateSize) {
            throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey() + "' has no " + stateSize
                    + " state values for '" + parameter + "'");
        }
        double[] slots = new double[1 + stateSize];
        slots[0] = value;
        for (int k = 0; k < stateSize; k++) {
            slots[1 + k] = state.get(k);
        }
        return slots;
    }
}
