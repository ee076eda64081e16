package io.inertia.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link ModelSnapshot} as one line of plain JSON, the format of {@code replay --output} and {@code snapshots}:
 * {@code modelKey}, {@code version}, {@code weights} (feature name → weight), {@code denseWeights} (when the model has
 * dense features), {@code bias}, the velocities, {@code runningLoss}, {@code lastEventTimestamp} and
 * {@code hyperParameters}. Doubles are written in their shortest exact form, so parsing a line gives back the same
 * doubles.
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
        putMap(node.putObject("weights"), snapshot.getNamedWeights());
        if (snapshot.getDenseWeights() != null) {
            snapshot.getDenseWeights().forEach(node.putArray("denseWeights")::add);
        }
        node.put("bias", snapshot.getBias());
        ObjectNode velocity = node.putObject("velocity");
        putMap(velocity.putObject("weights"), snapshot.getOptimizerState().getNamedVelocity());
        if (snapshot.getOptimizerState().getDenseVelocity() != null) {
            snapshot.getOptimizerState().getDenseVelocity().forEach(velocity.putArray("denseWeights")::add);
        }
        velocity.put("bias", snapshot.getOptimizerState().getBiasVelocity());
        node.put("runningLoss", snapshot.getRunningLoss());
        node.put("lastEventTimestamp", snapshot.getLastEventTimestamp());
        HyperParameters hyper = snapshot.getHyperParameters();
        ObjectNode settings = node.putObject("hyperParameters");
        settings.put("optimizer", hyper.getOptimizer());
        settings.put("loss", hyper.getLoss());
        settings.put("learningRate", hyper.getLearningRate());
        settings.put("momentum", hyper.getMomentum());
        settings.put("lossSmoothing", hyper.getLossSmoothing());
        settings.put("snapshotEvery", hyper.getSnapshotEvery());
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write snapshot as JSON", e);
        }
    }

    private static void putMap(ObjectNode target, Map<String, Double> values) {
        // Sorted, so equal snapshots always print the same line.
        new TreeMap<>(values).forEach(target::put);
    }
}
