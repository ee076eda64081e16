package io.inertia.model;

/**
 * Standardizes one numeric feature online: each value x is scaled with the mean μ and the population standard
 * deviation σ of the values seen <em>before</em> it, then added to them, as River's {@code StandardScaler} does inside
 * a pipeline's {@code learn_one} (transform first, then learn), so that a value never scales itself:
 *
 * <pre>
 *   z = (x − μₙ) / σₙ      when σₙ &gt; 0
 *   z =  x − μₙ            when σₙ = 0 (no value yet, or every value so far equal): centred, not scaled,
 *                          as scikit-learn treats a zero-variance feature (its scale taken as 1)
 * </pre>
 *
 * with μₙ and σₙ² = M₂/n over the n values before x, kept by Welford's update (Welford 1962; Knuth, TAOCP vol. 2,
 * 4.2.2): n ← n + 1, δ = x − μ, μ ← μ + δ/n, M₂ ← M₂ + δ·(x − μ). Welford's form keeps the variance accurate where the
 * textbook Σx² − n·μ² cancels catastrophically (large values with a small spread, e.g. timestamps).
 *
 * <p>The state is three numbers ({@link #count()}, {@link #mean()}, {@link #m2()}), so that a model can carry it in its
 * snapshots and resume exactly ({@link #of}). Not thread-safe.
 */
public final class OnlineStandardScaler {

    private long count;
    private double mean;
    private double m2;

    /** A scaler that has seen no value. */
    public OnlineStandardScaler() {
    }

    /**
     * A scaler resumed from the state of another: {@code count} values seen, their mean and their sum of squared
     * deviations {@code m2} (≥ 0).
     */
    public static OnlineStandardScaler of(long count, double mean, double m2) {
        if (count < 0 || !(m2 >= 0) || !Double.isFinite(mean) || !Double.isFinite(m2)) {
            throw new IllegalArgumentException("invalid scaler state: count " + count + ", mean " + mean + ", m2 "
                    + m2);
        }
        OnlineStandardScaler scaler = new OnlineStandardScaler();
        scaler.count = count;
        scaler.mean = count == 0 ? 0 : mean;
        scaler.m2 = count == 0 ? 0 : m2;
        return scaler;
    }

    /** {@code x} scaled with the values seen so far (see the class documentation), without learning it. */
    public double transform(double x) {
        double sd = standardDeviation();
        return sd > 0 ? (x - mean) / sd : x - mean;
    }

    /** Adds {@code x} to the values seen (Welford's update). */
    public void learn(double x) {
        count++;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
    }

    /** {@link #transform} then {@link #learn}: the value as the model sees it, scaled before it is counted. */
    public double transformThenLearn(double x) {
        double z = transform(x);
        learn(x);
        return z;
    }

    /** Values seen. */
    public long count() {
        return count;
    }

    /** Their mean, 0 before any. */
    public double mean() {
        return mean;
    }

    /** Their sum of squared deviations from the mean, M₂. */
    public double m2() {
        return m2;
    }

    /** The population variance M₂/n, 0 before any value. */
    public double variance() {
        return count == 0 ? 0 : m2 / count;
    }

    /** √{@link #variance()}. */
    public double standardDeviation() {
        return Math.sqrt(variance());
    }
}
