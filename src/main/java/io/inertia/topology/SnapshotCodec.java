package io.inertia.topology;

import io.inertia.avro.ClassWeights;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import io.inertia.config.InertiaConfig;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.model.PrequentialMetrics;
import io.inertia.serde.PrimitiveLists;
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
                .setFtrlAlpha(config.ftrlAlpha())
                .setFtrlBeta(config.ftrlBeta())
                .setClasses(config.classes())
                .setClassNames(config.classNames())
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
        int outputs = model.outputs();
        Map<String, Double> namedWeights = new TreeMap<>();
        Map<String, List<Double>> classNamedWeights = new TreeMap<>();
        Map<String, List<Double>> namedState = new TreeMap<>();
        if (withNamed) {
            for (Map.Entry<String, double[]> parameter : model.namedSlots().entrySet()) {
                if (outputs == 1) {
                    namedWeights.put(parameter.getKey(), parameter.getValue()[0]);
                } else {
                    classNamedWeights.put(parameter.getKey(), weights(parameter.getValue(), width));
                }
                namedState.put(parameter.getKey(), state(parameter.getValue(), width));
            }
        }
        ClassWeights classWeights = outputs == 1 ? null
                : new ClassWeights(weights(model.biasSlots(), width), classNamedWeights);
        return ModelSnapshot.newBuilder()
                .setModelKey(modelKey)
                .setVersion(model.version())
                .setDenseWeights(denseWeights)
                .setNamedWeights(namedWeights)
                .setClassWeights(classWeights)
                .setBias(outputs == 1 ? model.bias() : 0.0)
                .setOptimizerState(OptimizerState.newBuilder()
                        .setStateNames(stateNames)
                        .setDenseState(denseState)
                        .setNamedState(namedState)
                        .setBiasState(state(model.biasSlots(), width))
                        .build())
                .setL1Total(model.l1Total())
                .setHyperParameters(describing(hyperParameters, outputs))
                .setMetrics(metrics(model.metrics(), learner.loss()))
                .setRunningLoss(model.runningLoss())
                .setLastEventTimestamp(lastEventTimestamp)
                .build();
    }

    /**
     * {@code hyperParameters}, with the classes of a model of {@code outputs} outputs: a record must describe the
     * model it holds, also a stored model of another shape than the learner's (which is refused per event and kept
     * as it was, but may be written back unchanged).
     */
    private static HyperParameters describing(HyperParameters hyperParameters, int outputs) {
        if (hyperParameters.getClasses() == outputs) {
            return hyperParameters;
        }
        HyperParameters copy = HyperParameters.newBuilder(hyperParameters).setClasses(outputs).build();
        if (copy.getClassNames().size() != outputs) {
            copy.setClassNames(List.of());
        }
        return copy;
    }

    private static io.inertia.avro.PrequentialMetrics metrics(PrequentialMetrics metrics, Loss loss) {
        boolean classification = loss.classification();
        boolean classes = metrics.classes() > 0;
        List<Double> recent = new ArrayList<>();
        for (double value : metrics.recentLosses()) {
            recent.add(value);
        }
        long[][] counts = metrics.classCounts();
        int[] recentLabels = metrics.recentLabels();
        int[] recentPredictions = metrics.recentPredictions();
        return io.inertia.avro.PrequentialMetrics.newBuilder()
                .setMacroF1(classes ? metrics.macroF1() : null)
                .setWindowAccuracy(classes ? metrics.windowAccuracy() : null)
                .setWindowMacroF1(classes ? metrics.windowMacroF1() : null)
                .setLabeledCounts(PrimitiveLists.of(counts[0], counts[0].length))
                .setPredictedCounts(PrimitiveLists.of(counts[1], counts[1].length))
                .setTruePositives(PrimitiveLists.of(counts[2], counts[2].length))
                .setRecentLabels(PrimitiveLists.of(recentLabels, recentLabels.length))
                .setRecentPredictions(PrimitiveLists.of(recentPredictions, recentPredictions.length))
                .setCount(metrics.count())
                .setMeanLoss(metrics.meanLoss())
                .setWindowSize(metrics.windowSize())
                .setWindowMeanLoss(metrics.windowMeanLoss())
                .setRmse(classification ? null : metrics.rmse())
                .setMae(classification ? null : metrics.mae())
                .setAccuracy(classification ? metrics.accuracy() : null)
                .setLogLoss(loss.name().equals("logistic") || classes ? metrics.meanLoss() : null)
                .setRecentLosses(recent)
                .setWindowLossSum(metrics.windowSum())
                .setLossSum(metrics.lossSum())
                .setSquaredErrorSum(metrics.squaredErrorSum())
                .setAbsoluteErrorSum(metrics.absoluteErrorSum())
                .setCorrect(metrics.correct())
                .build();
    }

    private static PrequentialMetrics metrics(io.inertia.avro.PrequentialMetrics stored, int outputs) {
        double[] recent = new double[stored.getRecentLosses().size()];
        for (int i = 0; i < recent.length; i++) {
            recent[i] = stored.getRecentLosses().get(i);
        }
        if (outputs == 1) {
            return PrequentialMetrics.restore(stored.getWindowSize(), recent, stored.getWindowLossSum(),
                    stored.getCount(), stored.getLossSum(), stored.getSquaredErrorSum(), stored.getAbsoluteErrorSum(),
                    stored.getCorrect());
        }
        long[][] counts = {longs(stored.getLabeledCounts()), longs(stored.getPredictedCounts()),
            longs(stored.getTruePositives())};
        return PrequentialMetrics.restore(stored.getWindowSize(), outputs, recent, stored.getWindowLossSum(),
                stored.getCount(), stored.getLossSum(), stored.getCorrect(), counts, ints(stored.getRecentLabels()),
                ints(stored.getRecentPredictions()));
    }

    private static long[] longs(List<Long> values) {
        long[] array = new long[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    private static int[] ints(List<Integer> values) {
        int[] array = new int[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
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
        int outputs = outputs(snapshot);
        double[] dense = null;
        List<Double> denseWeights = snapshot.getDenseWeights();
        if (denseWeights != null) {
            List<Double> denseState = state.getDenseState();
            if (denseWeights.size() % outputs != 0) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey() + "' has "
                        + denseWeights.size() + " dense weights, not " + outputs + " per feature");
            }
            if (denseState == null || denseState.size() != denseWeights.size() * stateSize) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey()
                        + "' has dense weights without " + stateSize + " state values each");
            }
            // Parameter j (feature j / K, class j % K) has its slot at j·width in either layout.
            dense = new double[denseWeights.size() * width];
            for (int i = 0; i < denseWeights.size(); i++) {
                dense[i * width] = denseWeights.get(i);
                for (int k = 0; k < stateSize; k++) {
                    dense[i * width + 1 + k] = denseState.get(i * stateSize + k);
                }
            }
        }
        SortedMap<String, double[]> named = new TreeMap<>();
        double[] bias;
        if (outputs == 1) {
            for (Map.Entry<String, Double> weight : snapshot.getNamedWeights().entrySet()) {
                named.put(weight.getKey(), slots(snapshot, weight.getKey(), List.of(weight.getValue()),
                        state.getNamedState().get(weight.getKey()), stateSize));
            }
            bias = slots(snapshot, "bias", List.of(snapshot.getBias()), state.getBiasState(), stateSize);
        } else {
            ClassWeights classes = snapshot.getClassWeights();
            if (!snapshot.getNamedWeights().isEmpty()) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey() + "' of " + outputs
                        + " classes has single-output named weights");
            }
            for (Map.Entry<String, List<Double>> weights : classes.getNamedWeights().entrySet()) {
                named.put(weights.getKey(), slots(snapshot, weights.getKey(), weights.getValue(),
                        state.getNamedState().get(weights.getKey()), stateSize));
            }
            bias = slots(snapshot, "bias", classes.getBiases(), state.getBiasState(), stateSize);
        }
        LinearModel model = LinearModel.restore(stateSize, outputs, dense, named, bias, snapshot.getVersion(),
                snapshot.getRunningLoss(), metrics(snapshot.getMetrics(), outputs));
        model.restoreL1Total(snapshot.getL1Total());
        return model;
    }

    /**
     * K, the outputs of the model {@code snapshot} holds: its hyper-parameters' classes (1 for a snapshot written
     * before they existed), which its class weights must agree with.
     *
     * @throws IllegalArgumentException when they do not
     */
    public static int outputs(ModelSnapshot snapshot) {
        int outputs = snapshot.getHyperParameters().getClasses();
        ClassWeights classes = snapshot.getClassWeights();
        if (outputs < 1 || (outputs == 1) != (classes == null)
                || (classes != null && classes.getBiases().size() != outputs)) {
            throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey() + "' says " + outputs
                    + " classes but holds " + (classes == null ? "no" : classes.getBiases().size()) + " class biases");
        }
        return outputs;
    }

    /** Coordinate {@code i} of {@code model} as stored in the coordinate store. */
    static ModelCoordinate toCoordinate(LinearModel model, int i) {
        // The constructor: a builder would resolve every field's default for every coordinate of every commit.
        return new ModelCoordinate(model.coordinateSlot(i, 0), state(model, i), model.lastStep(i));
    }

    /** The optimizer state values of coordinate {@code i} of a single-output {@code model}. */
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

    /** The state values of a block's K slots of {@code width}, class by class. */
    private static List<Double> state(double[] block, int width) {
        List<Double> values = new ArrayList<>(block.length / width * (width - 1));
        for (int at = 0; at < block.length; at += width) {
            for (int k = 1; k < width; k++) {
                values.add(block[at + k]);
            }
        }
        return values;
    }

    /** The weights of a block's K slots of {@code width}, class by class. */
    private static List<Double> weights(double[] block, int width) {
        List<Double> values = new ArrayList<>(block.length / width);
        for (int at = 0; at < block.length; at += width) {
            values.add(block[at]);
        }
        return values;
    }

    /** The block of a parameter's K values and their K·S state values. */
    private static double[] slots(ModelSnapshot snapshot, String parameter, List<Double> values, List<Double> state,
            int stateSize) {
        int outputs = values.size();
        if (state == null || state.size() != outputs * stateSize) {
            throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey() + "' has no "
                    + outputs * stateSize + " state values for '" + parameter + "'");
        }
        int width = 1 + stateSize;
        double[] slots = new double[outputs * width];
        for (int c = 0; c < outputs; c++) {
            slots[c * width] = values.get(c);
            for (int k = 0; k < stateSize; k++) {
                slots[c * width + 1 + k] = state.get(c * stateSize + k);
            }
        }
        return slots;
    }

    /** The record of {@code metrics}, or null for null. */
    public static io.inertia.avro.OutcomeMetrics outcomes(io.inertia.model.DelayedOutcomeMetrics metrics) {
        if (metrics == null) {
            return null;
        }
        io.inertia.model.DelayedOutcomeMetrics.State state = metrics.state();
        List<Long> counts = new ArrayList<>(state.counts().length);
        for (long count : state.counts()) {
            counts.add(count);
        }
        List<Double> sums = new ArrayList<>(state.lossSums().length);
        for (double sum : state.lossSums()) {
            sums.add(sum);
        }
        List<Integer> buckets = new ArrayList<>(state.delayBuckets().length);
        for (int bucket : state.delayBuckets()) {
            buckets.add(bucket);
        }
        List<Long> delays = new ArrayList<>(state.delayCounts().length);
        for (long count : state.delayCounts()) {
            delays.add(count);
        }
        return new io.inertia.avro.OutcomeMetrics(counts, sums, buckets, delays);
    }

    /**
     * The metrics a record holds, or null for null.
     *
     * @throws IllegalArgumentException when it is malformed
     */
    public static io.inertia.model.DelayedOutcomeMetrics outcomes(io.inertia.avro.OutcomeMetrics record) {
        if (record == null) {
            return null;
        }
        return io.inertia.model.DelayedOutcomeMetrics.restore(new io.inertia.model.DelayedOutcomeMetrics.State(
                record.getCounts().stream().mapToLong(Long::longValue).toArray(),
                record.getLossSums().stream().mapToDouble(Double::doubleValue).toArray(),
                record.getDelayBuckets().stream().mapToInt(Integer::intValue).toArray(),
                record.getDelayCounts().stream().mapToLong(Long::longValue).toArray()));
    }

    /** The records of {@code scalers}, in ascending feature name order; null for null or none. */
    public static List<io.inertia.avro.FeatureScaler> scalers(io.inertia.model.FeatureScalers scalers) {
        if (scalers == null || scalers.size() == 0) {
            return null;
        }
        List<io.inertia.avro.FeatureScaler> records = new ArrayList<>(scalers.size());
        for (int i = 0; i < scalers.size(); i++) {
            io.inertia.model.OnlineStandardScaler scaler = scalers.scaler(i);
            records.add(new io.inertia.avro.FeatureScaler(scalers.name(i), scaler.count(), scaler.mean(),
                    scaler.m2()));
        }
        return records;
    }

    /**
     * The scalers the records hold, or null for null.
     *
     * @throws IllegalArgumentException when a record is malformed (a negative count or M₂, a non-finite number)
     */
    public static io.inertia.model.FeatureScalers scalers(List<io.inertia.avro.FeatureScaler> records) {
        if (records == null || records.isEmpty()) {
            return null;
        }
        io.inertia.model.FeatureScalers scalers = new io.inertia.model.FeatureScalers();
        for (io.inertia.avro.FeatureScaler record : records) {
            try {
                scalers.put(record.getFeature(), io.inertia.model.OnlineStandardScaler.of(record.getCount(),
                        record.getMean(), record.getM2()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scaler of feature '" + record.getFeature() + "': "
                        + e.getMessage(), e);
            }
        }
        return scalers;
    }
}
