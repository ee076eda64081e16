package io.inertia.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>Named parameters are updated lazily: an event steps only the named features it carries (and every dense weight
 * and the bias); a named parameter it does not carry is brought up to date in closed form
 * ({@link Optimizer#skip}) when an event next carries it, or when {@link OnlineLearner#catchUp} is called before the
 * model is read as a whole. {@link #lastStep(String)} says up to which update a named parameter is current.
 */
public final class LinearModel {

    private final int slotWidth;
    private double[] denseSlots;
    private final TreeMap<String, double[]> namedSlots;
    // Update count up to which each named parameter is current; the others are caught up lazily when touched.
    private final Map<String, Long> lastStep = new HashMap<>();
    private final double[] biasSlots;
    private long version;
    private double runningLoss;
    private double l1Total;
    private final PrequentialMetrics metrics;

    private LinearModel(int slotWidth, double[] denseSlots, TreeMap<String, double[]> namedSlots, double[] biasSlots,
            long version, double runningLoss, PrequentialMetrics metrics) {
        this.metrics = metrics;
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
        return empty(stateSize, OnlineLearner.DEFAULT_METRICS_WINDOW);
    }

    /** As {@link #empty(int)}, with prequential metrics over a window of {@code metricsWindow} events. */
    public static LinearModel empty(int stateSize, int metricsWindow) {
        int width = 1 + stateSize;
        return new LinearModel(width, null, new TreeMap<>(), new double[width], 0, 0.0,
                new PrequentialMetrics(metricsWindow));
    }

    /**
     * A model restored from stored slot blocks (see the class documentation for the layout); the arrays are copied.
     *
     * @param denseSlots dense slot blocks, or null when the model has no dense weights yet
     */
    public static LinearModel restore(int stateSize, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss) {
        return restore(stateSize, denseSlots, namedSlots, biasSlots, version, runningLoss,
                new PrequentialMetrics(OnlineLearner.DEFAULT_METRICS_WINDOW));
    }

    /** As {@link #restore(int, double[], Map, double[], long, double)}, with its prequential metrics. */
    public static LinearModel restore(int stateSize, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss, PrequentialMetrics metrics) {
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
        LinearModel model = new LinearModel(width, denseSlots == null ? null : denseSlots.clone(), named,
                biasSlots.clone(), version, runningLoss, metrics);
        named.keySet().forEach(name -> model.lastStep.put(name, version));
        return model;
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

    /** The update count up to which named parameter {@code name} is current, or −1 when the model does not have it. */
    public long lastStep(String name) {
        Long step = lastStep.get(name);
        return step == null ? -1 : step;
    }

    /**
     * Adds a stored named parameter: its slot block (parameter, then optimizer state; copied) and the update up to
     * which it is current.
     */
    public void putNamed(String name, double[] slots, long currentTo) {
        if (slots.length != slotWidth) {
            throw new IllegalArgumentException("slots of '" + name + "' do not have length " + slotWidth);
        }
        namedSlots.put(name, slots.clone());
        lastStep.put(name, currentTo);
    }

    /**
     * Brings named parameter {@code name} from its last step up to the current version: in closed form by
     * {@link Optimizer#skip}, or, with L1 on, update by update with the penalty after each (exact, O(updates skipped)),
     * since the cumulative penalty clips the weight at every update of the dense path.
     */
    void catchUp(String name, Optimizer optimizer, LearningRateSchedule schedule, Regularization regularization) {
        double[] slots = namedSlots.get(name);
        long from = lastStep.get(name);
        if (from >= version) {
            return;
        }
        if (regularization.hasL1()) {
            // u after each skipped update s, rebuilt backwards from the current total: u_{s−1} = u_s − η_s·λ₁.
            int k = (int) (version - from);
            double[] penaltyTotal = new double[k];
            double u = l1Total;
            for (int i = k - 1; i >= 0; i--) {
                penaltyTotal[i] = u;
                u -= schedule.rate(from + 1 + i) * regularization.l1();
            }
            for (int i = 0; i < k; i++) {
                long s = from + 1 + i;
                optimizer.step(slots, 0, regularization.l2() * slots[0], schedule.rate(s), s);
                applyL1(slots, 0, penaltyTotal[i]);
            }
        } else {
            optimizer.skip(slots, 0, from, version, schedule, regularization.l2());
        }
        lastStep.put(name, version);
    }

    /** Adds the named parameters {@code example} carries that the model does not have yet, at zero. */
    void addMissing(Example example) {
        for (String name : example.named().keySet()) {
            if (namedSlots.putIfAbsent(name, new double[slotWidth]) == null) {
                lastStep.put(name, version);
            }
        }
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

    /** u = Σ_t η_t·λ₁, the total L1 penalty a weight could have received so far (0 without L1). */
    public double l1Total() {
        return l1Total;
    }

    /** Restores {@link #l1Total()} from storage. */
    public void restoreL1Total(double total) {
        this.l1Total = total;
    }

    /** The prequential metrics (live, not a copy). */
    public PrequentialMetrics metrics() {
        return metrics;
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
     * Applies update number {@code t} = version + 1 to every parameter for an example whose loss has derivative
     * {@code scoreGradient} = ∂L/∂z (already weighted and norm-clipped): weight j gets gradient
     * clip((∂L/∂z)·x_j) + λ₂·w_j, where x_j = 0 for a feature the example does not carry, and the bias gets
     * clip(∂L/∂z) (never regularised); then the L1 cumulative penalty, when on, is applied to the weights (see
     * {@link Regularization}). Every dense weight steps (x_i = 0 when the example has no dense vector); of the named
     * weights only those the example carries, which must have been caught up to the current version first.
     */
    void step(Example example, double scoreGradient, Optimizer optimizer, double learningRate,
            Regularization regularization) {
        long t = version + 1;
        if (regularization.hasL1()) {
            l1Total += learningRate * regularization.l1();
        }
        if (example.denseDimension() > 0 && denseSlots == null) {
            denseSlots = new double[example.denseDimension() * slotWidth];
        }
        if (denseSlots != null) {
            boolean present = example.denseDimension() > 0;
            for (int i = 0, d = denseDimension(); i < d; i++) {
                stepWeight(denseSlots, i * slotWidth, present ? scoreGradient * example.dense(i) : 0.0, optimizer,
                        learningRate, t, regularization);
            }
        }
        for (Map.Entry<String, Double> feature : example.named().entrySet()) {
            stepWeight(namedSlots.get(feature.getKey()), 0, scoreGradient * feature.getValue(), optimizer,
                    learningRate, t, regularization);
            lastStep.put(feature.getKey(), t);
        }
        optimizer.step(biasSlots, 0, clip(scoreGradient, regularization.clipValue()), learningRate, t);
    }

    private void stepWeight(double[] slots, int offset, double lossGradient, Optimizer optimizer, double learningRate,
            long t, Regularization regularization) {
        double gradient = clip(lossGradient, regularization.clipValue()) + regularization.l2() * slots[offset];
        optimizer.step(slots, offset, gradient, learningRate, t);
        if (regularization.hasL1()) {
            applyL1(slots, offset, l1Total);
        }
    }

    /** The cumulative L1 penalty (see {@link Regularization}); q is the last value of the slot block. */
    private void applyL1(double[] slots, int offset, double penaltyTotal) {
        int applied = offset + slotWidth - 1;
        double w = slots[offset];
        double penalised = w > 0 ? Math.max(0.0, w - (penaltyTotal + slots[applied]))
                : w < 0 ? Math.min(0.0, w + (penaltyTotal - slots[applied])) : 0.0;
        slots[applied] += penalised - w;
        slots[offset] = penalised;
    }

    private static double clip(double gradient, double limit) {
        return limit > 0 ? Math.max(-limit, Math.min(limit, gradient)) : gradient;
    }

    /**
     * The first of the given parameters, or of the model's running statistics, that is not a finite number (NaN or
     * ±∞), described for a reason line, e.g. {@code weight 'x'}; empty when all are finite. Checked: every dense weight
     * and the bias with their optimizer state (an update steps them all), the named weights {@code named} with their
     * state (the ones an event carried, or all of {@link #namedSlots()}), then the running loss, the L1 total and the
     * sums of the prequential metrics. Costs O(dense dimension + |named|).
     */
    public Optional<String> firstNonFinite(Iterable<String> named) {
        if (denseSlots != null) {
            for (int offset = 0; offset < denseSlots.length; offset += slotWidth) {
                String problem = nonFinite(denseSlots, offset, "dense weight " + offset / slotWidth);
                if (problem != null) {
                    return Optional.of(problem);
                }
            }
        }
        for (String name : named) {
            double[] slots = namedSlots.get(name);
            String problem = slots == null ? null : nonFinite(slots, 0, "weight '" + name + "'");
            if (problem != null) {
                return Optional.of(problem);
            }
        }
        String problem = nonFinite(biasSlots, 0, "the bias");
        if (problem != null) {
            return Optional.of(problem);
        }
        if (!Double.isFinite(runningLoss)) {
            return Optional.of("the running loss");
        }
        if (!Double.isFinite(l1Total)) {
            return Optional.of("the L1 total");
        }
        if (!Double.isFinite(metrics.lossSum()) || !Double.isFinite(metrics.windowSum())
                || !Double.isFinite(metrics.squaredErrorSum()) || !Double.isFinite(metrics.absoluteErrorSum())) {
            return Optional.of("the prequential metrics");
        }
        return Optional.empty();
    }

    private String nonFinite(double[] slots, int offset, String parameter) {
        if (!Double.isFinite(slots[offset])) {
            return parameter;
        }
        for (int k = 1; k < slotWidth; k++) {
            if (!Double.isFinite(slots[offset + k])) {
                return "the optimizer state of " + parameter;
            }
        }
        return null;
    }

    /** Counts one update and folds its loss into the running loss r ← (1 − α)·r + α·L (r = L after the first). */
    void recordUpdate(double loss, double smoothing) {
        version++;
        runningLoss = version == 1 ? loss : (1 - smoothing) * runningLoss + smoothing * loss;
    }
}
