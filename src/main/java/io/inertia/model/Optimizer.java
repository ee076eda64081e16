package io.inertia.model;

import java.util.List;
import java.util.Optional;

/**
 * A first-order update rule applied to one scalar parameter at a time.
 *
 * <p>Each parameter lives in a slot block of {@code 1 + stateSize()} doubles: the parameter θ itself at
 * {@code offset}, followed by the optimizer's own per-parameter state (e.g. the momentum velocity). Keeping the state
 * beside the parameter lets a model be persisted and resumed exactly, and lets every parameter be updated
 * independently of the others, which is what sparse updates need.
 *
 * <p>The learning rate is not part of the optimizer: a {@link LearningRateSchedule} gives η_t for update t, so every
 * rule below reads η as η_t. Sign convention: g = ∂J/∂θ, and every rule moves θ against it.
 */
public interface Optimizer {

    /** The default momentum β (β₁ for Adam). */
    double DEFAULT_MOMENTUM = 0.9;
    /** The default β₂ of Adam. */
    double DEFAULT_BETA2 = 0.999;
    /** The default ε of Adagrad and Adam. */
    double DEFAULT_EPSILON = 1e-8;
    /** The default α of FTRL-Proximal, the scale of its per-coordinate rate α/(β + √n). */
    double DEFAULT_FTRL_ALPHA = 0.05;
    /** The default β of FTRL-Proximal, which keeps its first steps finite (√n = 0). */
    double DEFAULT_FTRL_BETA = 1.0;

    /** The name used in configuration and snapshots. */
    String name();

    /** The names of the per-parameter state values, in slot order (empty for plain SGD). */
    List<String> stateNames();

    /** How many doubles of state this optimizer keeps per parameter. */
    default int stateSize() {
        return stateNames().size();
    }

    /**
     * Applies update number {@code t} (1 for a model's first update) with gradient {@code gradient} = ∂J/∂θ and
     * learning rate {@code learningRate} = η_t to the parameter stored at {@code slots[offset]}, reading and writing
     * its state at {@code slots[offset + 1 .. offset + stateSize()]}.
     */
    void step(double[] slots, int offset, double gradient, double learningRate, long t);

    /**
     * Applies updates {@code from + 1} … {@code to} to a parameter that no event touched in between: its loss
     * gradient was 0, so its gradient is only the L2 term λ₂·θ. Equal to calling {@link #step} for each of those
     * updates with gradient λ₂·θ, which is what this default does (exact, O(to − from)); optimizers override it with a
     * closed form where one exists, so that a sparse event costs O(its features), not O(updates skipped).
     *
     * @param l2 λ₂ for a weight, 0 for parameters without L2
     */
    default void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        for (long s = from + 1; s <= to; s++) {
            step(slots, offset, l2 * slots[offset], schedule.rate(s), s);
        }
    }

    /** The rule the bias steps with: this one, except for an optimizer whose own penalties must spare the bias. */
    default Optimizer forBias() {
        return this;
    }

    /**
     * Whether the rule applies the L1 and L2 penalties itself (FTRL, in its formula for the weight), so that the
     * learner must add neither λ₂·w to the gradient nor its cumulative L1 penalty.
     */
    default boolean appliesPenalties() {
        return false;
    }

    /** Plain SGD: θ ← θ − η·g. */
    static Optimizer sgd() {
        return SgdOptimizer.INSTANCE;
    }

    /** Momentum (heavy ball): v ← β·v + η·g; θ ← θ − v. See {@link MomentumOptimizer}. */
    static Optimizer momentum(double beta) {
        return MomentumOptimizer.of(beta);
    }

    /** Nesterov momentum: v ← β·v + η·g; θ ← θ − (β·v + η·g), with the new v. See {@link NesterovOptimizer}. */
    static Optimizer nesterov(double beta) {
        return new NesterovOptimizer(beta);
    }

    /** Momentum as an exponential moving average: v ← β·v + (1 − β)·g; θ ← θ − η·v. */
    static Optimizer emaMomentum(double beta) {
        return new EmaMomentumOptimizer(beta);
    }

    /** Adagrad: G ← G + g²; θ ← θ − η·g/(√G + ε). */
    static Optimizer adagrad(double epsilon) {
        return new AdagradOptimizer(epsilon);
    }

    /** Adam with bias correction; see {@link AdamOptimizer}. */
    static Optimizer adam(double beta1, double beta2, double epsilon) {
        return new AdamOptimizer(beta1, beta2, epsilon);
    }

    /**
     * FTRL-Proximal (McMahan et al. 2013, Algorithm 1) with rate parameters α &gt; 0, β ≥ 0 and its own penalties
     * λ₁, λ₂ ≥ 0 on the weights (never the bias); see {@link FtrlOptimizer}.
     */
    static Optimizer ftrl(double alpha, double beta, double l1, double l2) {
        return new FtrlOptimizer(alpha, beta, l1, l2);
    }

    /** The names {@link #byName} accepts. */
    static List<String> names() {
        return List.of("momentum", "ema-momentum", "nesterov", "sgd", "adagrad", "adam", "ftrl");
    }

    /**
     * The optimizer called {@code name}, or empty when there is none.
     *
     * @param beta β of the momentum variants and β₁ of Adam
     */
    static Optional<Optimizer> byName(String name, double beta, double beta2, double epsilon) {
        return byName(name, beta, beta2, epsilon, DEFAULT_FTRL_ALPHA, DEFAULT_FTRL_BETA, 0, 0);
    }

    /**
     * As {@link #byName(String, double, double, double)}, with the parameters of {@code ftrl}: α, β and its penalties
     * λ₁, λ₂ (which the other optimizers leave to the learner).
     */
    static Optional<Optimizer> byName(String name, double beta, double beta2, double epsilon, double ftrlAlpha,
            double ftrlBeta, double l1, double l2) {
        return Optional.ofNullable(switch (name) {
            case "momentum" -> momentum(beta);
            case "ema-momentum" -> emaMomentum(beta);
            case "nesterov" -> nesterov(beta);
            case "sgd" -> sgd();
            case "adagrad" -> adagrad(epsilon);
            case "adam" -> adam(beta, beta2, epsilon);
            case "ftrl" -> ftrl(ftrlAlpha, ftrlBeta, l1, l2);
            default -> null;
        });
    }

    /** Checks a decay rate β ∈ [0, 1). */
    static double checkDecay(String what, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + beta);
        }
        return beta;
    }

    /** Checks ε &gt; 0. */
    static double checkEpsilon(double epsilon) {
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number > 0, got " + epsilon);
        }
        return epsilon;
    }
}
