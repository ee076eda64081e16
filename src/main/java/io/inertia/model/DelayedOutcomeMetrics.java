package io.inertia.model;

import java.util.Arrays;

/**
 * What became of one model's events that arrived without their label, and how good the predictions served for them
 * turned out once their labels were known: delayed progressive validation (the prediction made when the question was
 * asked is scored when the answer arrives, as River's {@code progressive_val_score} with a delay does), beside the
 * prequential loss the learner saw when it learned the event later.
 *
 * <ul>
 *   <li><b>Counts</b> of every {@link Decision}: events scored, joined with their outcome, learned with the default
 *       label, expired unlearned; outcomes that were duplicates, late or unmatched; events whose id was already
 *       taken.</li>
 *   <li><b>Losses</b> of the events learned later ({@link Decision#JOINED} and {@link Decision#DEFAULTED} each
 *       apart): n, Σ L(z_served, y) and Σ L(z_learned, y), where z_served is the score served when the event arrived,
 *       z_learned the score of the model that learned it (having learned everything in between) and y the label
 *       learned; the means are Σ / n.</li>
 *   <li><b>Outcome delay</b> of joined events, d = outcome timestamp − event timestamp in ms, in a fixed log-scale
 *       histogram: delays ≤ 0 in bucket 0, 1..7 ms each in its own bucket, and from 8 ms on eight buckets per
 *       power of two, bucket [(8 + s)·2^k, (9 + s)·2^k) for d with 2^(k+3) ≤ d &lt; 2^(k+4) and s = ⌊d / 2^k⌋ − 8.
 *       A quantile is read by nearest rank (the smallest delay at or below which at least ⌈q·n⌉ of the n delays lie)
 *       and reported as the largest delay of its bucket: never below the true quantile, and at most 1/8 above it.
 *       The buckets are found with integer arithmetic alone, so every machine files every delay alike.</li>
 * </ul>
 *
 * Plain sums and counts updated in decision order: a replay of the same decisions gives the same figures bit for
 * bit. Memory: the counts, four sums, and one (bucket, count) pair per histogram bucket in use (at most
 * {@value #BUCKETS}; a stream whose delays span a second to an hour uses about 100). Mutable; one thread at a time.
 */
public final class DelayedOutcomeMetrics {

    /** What the outcome joiner decided for an event or an outcome, as counted here. */
    public enum Decision {
        /** An event without a label was scored and its prediction served. */
        SCORED,
        /** Its first outcome within the window arrived and the event was learned with its label. */
        JOINED,
        /** No outcome came by the deadline: learned with the default label. */
        DEFAULTED,
        /** No outcome came by the deadline and there is no default label: not learned. */
        EXPIRED,
        /** An outcome for an event already joined, or a second one for an event still awaited. */
        DUPLICATE_OUTCOME,
        /** An outcome for an event already defaulted or expired. */
        LATE_OUTCOME,
        /** An outcome whose event did not come within the window. */
        UNMATCHED_OUTCOME,
        /** An event whose id was already pending or recently decided. */
        DUPLICATE_EVENT
    }

    /** Sub-buckets per power of two: a bucket is at most 1/8 of its lower bound wide. */
    private static final int SUB_BUCKETS = 8;
    private static final int SUB_BITS = 3;
    /** Buckets a delay can fall in: 0, 1..7, and 8 per power of two from 2^3 to 2^62. */
    public static final int BUCKETS = SUB_BUCKETS + (63 - SUB_BITS) * SUB_BUCKETS;

    private final long[] counts = new long[Decision.values().length];
    /** Σ L(z_served, y), then Σ L(z_learned, y), for JOINED and DEFAULTED: indices 0, 1 (served), 2, 3 (learned). */
    private final double[] lossSums = new double[4];
    /** The histogram's buckets in use, ascending, and their counts, parallel. */
    private int[] buckets = new int[8];
    private long[] bucketCounts = new long[8];
    private int used;

    /** Metrics of a model none of whose events was decided yet. */
    public DelayedOutcomeMetrics() {
    }

    /**
     * Metrics restored from what {@link #state()} returned.
     *
     * @throws IllegalArgumentException when the state is malformed
     */
    public static DelayedOutcomeMetrics restore(State state) {
        DelayedOutcomeMetrics metrics = new DelayedOutcomeMetrics();
        if (state.counts().length != metrics.counts.length || state.lossSums().length != metrics.lossSums.length
                || state.delayBuckets().length != state.delayCounts().length) {
            throw new IllegalArgumentException("malformed delayed-outcome metrics");
        }
        System.arraycopy(state.counts(), 0, metrics.counts, 0, metrics.counts.length);
        System.arraycopy(state.lossSums(), 0, metrics.lossSums, 0, metrics.lossSums.length);
        for (int i = 0; i < state.delayBuckets().length; i++) {
            int bucket = state.delayBuckets()[i];
            if (bucket < 0 || bucket >= BUCKETS || (i > 0 && bucket <= state.delayBuckets()[i - 1])) {
                throw new IllegalArgumentException("delay buckets must be distinct, ascending and below " + BUCKETS);
            }
        }
        metrics.buckets = state.delayBuckets().clone();
        metrics.bucketCounts = state.delayCounts().clone();
        metrics.used = metrics.buckets.length;
        return metrics;
    }

    /**
     * Everything these metrics hold, for storing them (see {@link #restore}).
     *
     * @param counts the count of each {@link Decision}, in declaration order
     * @param lossSums Σ served loss of JOINED, of DEFAULTED, Σ learned loss of JOINED, of DEFAULTED
     * @param delayBuckets the histogram buckets in use, ascending
     * @param delayCounts the delays in each, parallel to {@code delayBuckets}
     */
    public record State(long[] counts, double[] lossSums, int[] delayBuckets, long[] delayCounts) {
    }

    /** A copy of what these metrics hold. */
    public State state() {
        return new State(counts.clone(), lossSums.clone(), Arrays.copyOf(buckets, used),
                Arrays.copyOf(bucketCounts, used));
    }

    /** Counts one {@code decision} that learned nothing: any but {@link Decision#JOINED} and {@link Decision#DEFAULTED}. */
    public void record(Decision decision) {
        if (decision == Decision.JOINED || decision == Decision.DEFAULTED) {
            throw new IllegalArgumentException(decision + " is recorded with its losses");
        }
        counts[decision.ordinal()]++;
    }

    /**
     * Counts an event joined with its outcome.
     *
     * @param delayMs outcome timestamp − event timestamp
     * @param servedLoss the loss of the prediction served for the event, against the outcome's label
     * @param learnedLoss the loss at learning time (the learner's prequential loss of the event)
     */
    public void joined(long delayMs, double servedLoss, double learnedLoss) {
        counts[Decision.JOINED.ordinal()]++;
        lossSums[0] += servedLoss;
        lossSums[2] += learnedLoss;
        addDelay(bucketOf(delayMs));
    }

    /**
     * Counts an event learned with the default label.
     *
     * @param servedLoss the loss of the prediction served for the event, against the default label
     * @param learnedLoss the loss at learning time
     */
    public void defaulted(double servedLoss, double learnedLoss) {
        counts[Decision.DEFAULTED.ordinal()]++;
        lossSums[1] += servedLoss;
        lossSums[3] += learnedLoss;
    }

    /** How many {@code decision}s were counted. */
    public long count(Decision decision) {
        return counts[decision.ordinal()];
    }

    /**
     * The mean loss of the predictions served for the events decided as {@code decision} ({@link Decision#JOINED} or
     * {@link Decision#DEFAULTED}), against the label they were learned with; NaN when there is none.
     */
    public double meanServedLoss(Decision decision) {
        return lossSums[learnedIndex(decision)] / counts[decision.ordinal()];
    }

    /** As {@link #meanServedLoss}, for the loss at learning time. */
    public double meanLearnedLoss(Decision decision) {
        return lossSums[2 + learnedIndex(decision)] / counts[decision.ordinal()];
    }

    private static int learnedIndex(Decision decision) {
        return switch (decision) {
            case JOINED -> 0;
            case DEFAULTED -> 1;
            default -> throw new IllegalArgumentException(decision + " learns nothing, so it has no loss");
        };
    }

    /**
     * The q-quantile of the outcome delays of joined events, 0 &lt; q ≤ 1, in ms, as the class documentation
     * describes (at most 1/8 above the true one, never below); −1 when no event was joined.
     */
    public long delayQuantile(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], got " + q);
        }
        long n = counts[Decision.JOINED.ordinal()];
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < used; i++) {
            seen += bucketCounts[i];
            if (seen >= rank) {
                return largestDelayOf(buckets[i]);
            }
        }
        return largestDelayOf(buckets[used - 1]);
    }

    /** The histogram bucket of {@code delayMs}: see the class documentation. */
    static int bucketOf(long delayMs) {
        if (delayMs < SUB_BUCKETS) {
            return (int) Math.max(0, delayMs);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(delayMs); // ≥ 3
        int shift = exponent - SUB_BITS;
        int sub = (int) (delayMs >>> shift) - SUB_BUCKETS; // 0..7
        return SUB_BUCKETS + shift * SUB_BUCKETS + sub;
    }

    /** The largest delay {@code bucket} holds (0 for bucket 0, which holds every delay ≤ 0). */
    static long largestDelayOf(int bucket) {
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int shift = (bucket - SUB_BUCKETS) / SUB_BUCKETS;
        int sub = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
        long upper = (long) (SUB_BUCKETS + sub + 1) << shift;
        return upper - 1;
    }

    private void addDelay(int bucket) {
        int at = Arrays.binarySearch(buckets, 0, used, bucket);
        if (at >= 0) {
            bucketCounts[at]++;
            return;
        }
        int insert = -at - 1;
        if (used == buckets.length) {
            buckets = Arrays.copyOf(buckets, used * 2);
            bucketCounts = Arrays.copyOf(bucketCounts, used * 2);
        }
        System.arraycopy(buckets, insert, buckets, insert + 1, used - insert);
        System.arraycopy(bucketCounts, insert, bucketCounts, insert + 1, used - insert);
        buckets[insert] = bucket;
        bucketCounts[insert] = 1;
        used++;
    }
}
