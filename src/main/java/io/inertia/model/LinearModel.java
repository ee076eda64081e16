package io.inertia.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A linear model ŷ = w·x + b over dense and named features, together with its optimizer's per-parameter state and
 * its training statistics. Mutable; owned by one thread at a time.
 *
 * <p>Storage layout: every parameter (each dense weight, each named weight, the bias) occupies a slot block of
 * {@link #slotWidth()} = 1 + optimizer state size doubles, the parameter first. Dense weight i is at
 * {@code denseSlots()[i * slotWidth()]}; named weight n at {@code namedSlots().get(n)[0]}; the bias at
 * {@code biasSlots()[0]}. Named features are kept in name order, so a model's content and any sum over it never depend
 * on insertion or hash order.
 */
public final class LinearModel {

    private final int slotWidth;
    private double[] denseSlots;
    private final TreeMap<String, double[]> namedSlots;
    private final double[] biasSlots;
    private long version;
    private double runningLoss;

    private LinearModel(int slotWidth, double[] denseSlots, TreeMap<String, double[]> namedSlots, double[] biasSlots,
            long version, double runningLoss) {
        this.slotWidth = slotWidth;
        this.denseSlots = denseSlots;
        this.namedSlots = namedSlots;
        this.biasSlots = biasSlots;
        this.version = version;
        this.runningLoss = runningLoss;
    }

    /** A model with every parameter and every optimizer state at 0 and no update applied, for an optimizer keeping
     * {@code stateSize} doubles per parameter. */
    public static LinearModel empty(int stateSize) {
        int width = 1 + stateSize;
        return new LinearModel(width, null, new TreeMap<>(), new double[width], 0, 0.0);
    }

    /**
     * A model restored from stored slot blocks (see the class documentation for the layout); the arrays are copied.
     *
     * @param denseSlots dense slot blocks, or null when the model has no dense weights yet
     */
    public static LinearModel restore(int stateSize, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss) {
        int width = 1 + stateSize;
        if (denseSlots != null && denseSlots.length % width != 0) {
            throw new IllegalArgumentException("dense slots length " + denseSlots.length + " is not a multiple of " + width);
        }
        if (biasSlots.length != width) {
            throw new IllegalArgumentException("bias slots length " + biasSlots.length + " is not " + width);
        }
        TreeMap<String, double[]> named = new TreeMap<>();
        for (Map.Entry<String, double[]> entry : namedSlots.entrySet()) {
            if (entry.getValue().length != width) {
                throw new IllegalArgumentException("slots of '" + entry.getKey() + "' do not have length " + width);
            }
            named.put(entry.getKey(), entry.getValue().clone());
        }
        return new LinearModel(width, denseSlots == null ? null : denseSlots.clone(), named, biasSlots.clone(), version,
                runningLoss);
    }

    /** Doubles per parameter: the parameter and its optimizer state. */
    public int slotWidth() {
        return slotWidth;
    }

    /** Number of dense weights d, or −1 when the model has not seen a dense example yet. */
    public int denseDimension() {
        return denseSlots == null ? -1 : denseSlots.length / slotWidth;
    }

    /** The dense slot blocks (live, not a copy), or null; see the class documentation for the layout. */
    public double[] denseSlots() {
        return denseSlots;
    }

    /** The named slot blocks by feature name, in name order; read-only map of live arrays. */
    public SortedMap<String, double[]> namedSlots() {
        return Collections.unmodifiableSortedMap(namedSlots);
    }

    /** The bias slot block (live, not a copy). */
    public double[] biasSlots() {
        return biasSlots;
    }

    /** The bias b. */
    public double bias() {
        return biasSlots[0];
    }

    /** Number of updates applied so far. */
    public long version() {
        return version;
    }

    /** Exponentially weighted mean of the per-event loss, each taken before its update. */
    public double runningLoss() {
        return runningLoss;
    }

    /**
     * The score z = Σ_i w_i·x_i + Σ_n w_n·x_n + b: dense terms in index order, then named terms in name order, then
     * the bias. Named features the model does not know have weight 0.
     */
    public double score(Example example) {
        double sum = 0.0;
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            sum += denseSlots[i * slotWidth] * example.dense(i);
        }
        for (Map.Entry<String, Double> feature : example.named().entrySet()) {
            double[] slots = namedSlots.get(feature.getKey());
            if (slots != null) {
                sum += slots[0] * feature.getValue();
            }
        }
        return sum + biasSlots[0];
    }

    /**
     * Applies one optimizer step to every parameter for an example whose loss has derivative {@code scoreGradient} =
     * ∂L/∂z (already multiplied by the sample weight): each weight gets gradient (∂L/∂z)·x_j, where x_j = 0 for a
     * feature the example does not carry, and the bias gets ∂L/∂z. Parameters the example does not touch still step
     * with a zero gradient, so their velocity decays and keeps moving them, exactly as in the dense formula.
     */
    void step(Example example, double scoreGradient, Optimizer optimizer) {
        if (example.denseDimension() > 0 && denseSlots == null) {
            denseSlots = new double[example.denseDimension() * slotWidth];
        }
        if (denseSlots != null) {
            boolean present = example.denseDimension() > 0;
            for (int i = 0, d = denseDimension(); i < d; i++) {
                optimizer.step(denseSlots, i * slotWidth, present ? scoreGradient * example.dense(i) : 0.0);
            }
        }
        for (String name : example.named().keySet()) {
            namedSlots.computeIfAbsent(name, n -> new double[slotWidth]);
        }
        for (Map.Entry<String, double[]> parameter : namedSlots.entrySet()) {
            Double x = example.named().get(parameter.getKey());
            optimizer.step(parameter.getValue(), 0, x == null ? 0.0 : scoreGradient * x);
        }
        optimizer.step(biasSlots, 0, scoreGradient);
    }

    /** Counts one update and folds its loss into the running loss r ← (1 − α)·r + α·L (r = L after the first). */
    void recordUpdate(double loss, double smoothing) {
        version++;
        runningLoss = version == 1 ? loss : (1 - smoothing) * runningLoss + smoothing * loss;
    }
}
