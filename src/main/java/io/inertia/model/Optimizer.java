package io.inertia.model;

/**
 * A first-order update rule applied to one scalar parameter at a time.
 *
 * <p>Each parameter lives in a slot block of {@code 1 + stateSize()} doubles: the parameter θ itself at
 * {@code offset}, followed by the optimizer's own per-parameter state (e.g. the momentum velocity). Keeping the state
 * beside the parameter lets a model be persisted and resumed exactly, and lets every parameter be updated
 * independently of the others, which is what sparse updates need.
 */
public interface Optimizer {

    /** The name used in configuration and snapshots. */
    String name();

    /** How many doubles of state this optimizer keeps per parameter. */
    int stateSize();

    /**
     * Applies one update with gradient {@code gradient} = ∂L/∂θ to the parameter stored at
     * {@code slots[offset]}, reading and writing its state at {@code slots[offset + 1 .. offset + stateSize()]}.
     */
    void step(double[] slots, int offset, double gradient);
}
