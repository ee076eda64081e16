package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import io.inertia.config.InertiaConfig;
import io.inertia.model.LinearModel;
import io.inertia.model.MomentumOptimizer;
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

    private static final int MOMENTUM_STATE = MomentumOptimizer.of(1, 0).stateSize();

    private SnapshotCodec() {
    }

    /** The hyper-parameters recorded in snapshots made under {@code config}. */
    public static HyperParameters hyperParameters(InertiaConfig config) {
        return HyperParameters.newBuilder()
                .setOptimizer(config.learner().optimizer().name())
                .setLoss(config.loss().name())
                .setLearningRate(config.learningRate())
                .setMomentum(config.momentum())
                .setLossSmoothing(config.lossSmoothing())
                .setSnapshotEvery(config.snapshotEvery())
                .build();
    }

    /** The snapshot of {@code model}, whose last event had record timestamp {@code lastEventTimestamp}. */
    public static ModelSnapshot toSnapshot(String modelKey, LinearModel model, HyperParameters hyperParameters,
            long lastEventTimestamp) {
        int width = model.slotWidth();
        List<Double> denseWeights = null;
        List<Double> denseVelocity = null;
        double[] dense = model.denseSlots();
        if (dense != null) {
            denseWeights = new ArrayList<>(dense.length / width);
            denseVelocity = new ArrayList<>(dense.length / width);
            for (int offset = 0; offset < dense.length; offset += width) {
                denseWeights.add(dense[offset]);
                denseVelocity.add(dense[offset + 1]);
            }
        }
        Map<String, Double> namedWeights = new TreeMap<>();
        Map<String, Double> namedVelocity = new TreeMap<>();
        for (Map.Entry<String, double[]> parameter : model.namedSlots().entrySet()) {
            namedWeights.put(parameter.getKey(), parameter.getValue()[0]);
            namedVelocity.put(parameter.getKey(), parameter.getValue()[1]);
        }
        return ModelSnapshot.newBuilder()
                .setModelKey(modelKey)
                .setVersion(model.version())
                .setDenseWeights(denseWeights)
                .setNamedWeights(namedWeights)
                .setBias(model.bias())
                .setOptimizerState(OptimizerState.newBuilder()
                        .setDenseVelocity(denseVelocity)
                        .setNamedVelocity(namedVelocity)
                        .setBiasVelocity(model.biasSlots()[1])
                        .build())
                .setHyperParameters(hyperParameters)
                .setRunningLoss(model.runningLoss())
                .setLastEventTimestamp(lastEventTimestamp)
                .build();
    }

    /**
     * The model a snapshot describes, ready to continue learning.
     *
     * @throws IllegalArgumentException when the snapshot is inconsistent (velocities missing or of another shape)
     */
    public static LinearModel toModel(ModelSnapshot snapshot) {
        int width = 1 + MOMENTUM_STATE;
        OptimizerState state = snapshot.getOptimizerState();
        double[] dense = null;
        List<Double> denseWeights = snapshot.getDenseWeights();
        if (denseWeights != null) {
            List<Double> velocity = state.getDenseVelocity();
            if (velocity == null || velocity.size() != denseWeights.size()) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey()
                        + "' has dense weights without a velocity of the same length");
            }
            dense = new double[denseWeights.size() * width];
            for (int i = 0; i < denseWeights.size(); i++) {
                dense[i * width] = denseWeights.get(i);
                dense[i * width + 1] = velocity.get(i);
            }
        }
        SortedMap<String, double[]> named = new TreeMap<>();
        Map<String, Double> namedVelocity = state.getNamedVelocity();
        for (Map.Entry<String, Double> weight : snapshot.getNamedWeights().entrySet()) {
            Double velocity = namedVelocity.get(weight.getKey());
            if (velocity == null) {
                throw new IllegalArgumentException("snapshot of '" + snapshot.getModelKey()
                        + "' has no velocity for feature '" + weight.getKey() + "'");
            }
            named.put(weight.getKey(), new double[] {weight.getValue(), velocity});
        }
        return LinearModel.restore(MOMENTUM_STATE, dense, named,
                new double[] {snapshot.getBias(), state.getBiasVelocity()}, snapshot.getVersion(),
                snapshot.getRunningLoss());
    }
}
