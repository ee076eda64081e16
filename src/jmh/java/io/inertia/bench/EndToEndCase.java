package io.inertia.bench;

import java.util.List;
import java.util.Locale;

/**
 * One case of {@link EndToEndBenchmark}: the shape of its seeded events, how many, on how many partitions and stream
 * threads, the learner options it needs, and the target it is judged by.
 *
 * @param number        the case's number, 1..10, also accepted instead of its name on the command line
 * @param name          the case's name on the command line and in the report
 * @param description   what the case is, for the report
 * @param defaultEvents events preloaded when no {@code --events} or {@code --scale} is given
 * @param partitions    partitions of the input topic (and of every topic the applications write)
 * @param streamThreads {@code num.stream.threads} of both applications
 * @param models        distinct model keys
 * @param denseLength   dense features per event (d); 0 for the named-feature cases
 * @param features      how features are drawn
 * @param hashBits      {@code --hash-bits} of the learner; 0 leaves the option out
 * @param classes       K &gt; 1: events carry one of K classes and the learner runs {@code --loss softmax --classes K};
 *                      1: regression events and the default loss
 * @param target        what the case must achieve
 */
record EndToEndCase(int number, String name, String description, long defaultEvents, int partitions,
        int streamThreads, int models, int denseLength, Features features, int hashBits, int classes, Target target) {

    /** Distinct feature names the named-feature cases draw from. */
    static final int VOCABULARY = 1_000_000;
    /** Distinct named features per event in the named-feature cases. */
    static final int NAMES_PER_EVENT = 20;
    /** Exponent s of the Zipf frequencies, P(rank k) ∝ k^−s. */
    static final double ZIPF_EXPONENT = 1.1;

    /** How an event's features are drawn. */
    enum Features {
        /** A positional array of {@code denseLength} values. */
        DENSE,
        /** {@value #NAMES_PER_EVENT} distinct names drawn uniformly from the vocabulary. */
        UNIFORM_NAMES,
        /** {@value #NAMES_PER_EVENT} distinct names drawn with Zipf frequencies (s = {@value #ZIPF_EXPONENT}). */
        ZIPF_NAMES,
        /**
         * Users' own click records, Confluent-framed Avro, through a feature spec ({@link SpecClicks}), keyed by
         * campaign, the model key.
         */
        SPEC_CLICKS,
        /** The same clicks keyed by user, the spec taking the model key from the campaign field: re-keyed. */
        SPEC_CLICKS_REKEYED;

        /** Whether the case's records are users' own, read through a feature spec. */
        boolean spec() {
            return this == SPEC_CLICKS || this == SPEC_CLICKS_REKEYED;
        }
    }

    /**
     * What a case must achieve: a minimum ratio of the learner's throughput to the pass-through's, a maximum peak RSS
     * of the learner, or nothing (reported only).
     *
     * @param kind      which quantity is judged
     * @param threshold the minimum ratio, or the maximum RSS in MiB
     */
    record Target(Kind kind, double threshold) {

        /** The quantity a target judges. */
        enum Kind { THROUGHPUT_RATIO, PEAK_RSS_MIB, NONE }

        static Target ratio(double minimum) {
            return new Target(Kind.THROUGHPUT_RATIO, minimum);
        }

        static Target peakRssMib(double maximum) {
            return new Target(Kind.PEAK_RSS_MIB, maximum);
        }

        static Target none() {
            return new Target(Kind.NONE, Double.NaN);
        }

        /** The target as the report shows it. */
        String describe() {
            return switch (kind) {
                case THROUGHPUT_RATIO -> "ratio ≥ " + java.math.BigDecimal.valueOf(threshold).stripTrailingZeros().toPlainString();
                case PEAK_RSS_MIB -> String.format(Locale.ROOT, "RSS ≤ %.0f MiB", threshold);
                case NONE -> "reported";
            };
        }
    }

    /** The cases, in the order they run. */
    static List<EndToEndCase> all() {
        return List.of(
                new EndToEndCase(1, "dense10", "dense d = 10, 1 model, 1 partition", 1_000_000, 1, 1, 1, 10,
                        Features.DENSE, 0, 1, Target.ratio(0.8)),
                new EndToEndCase(2, "dense10-64models", "dense d = 10, 64 models, 4 partitions, 2 threads",
                        1_000_000, 4, 2, 64, 10, Features.DENSE, 0, 1, Target.ratio(0.8)),
                new EndToEndCase(3, "dense1000", "dense d = 1,000, 1 model, 1 partition", 20_000, 1, 1, 1, 1_000,
                        Features.DENSE, 0, 1, Target.ratio(0.6)),
                // 500,000 events draw every name of the vocabulary ~10 times: the model reaches its full size.
                new EndToEndCase(4, "uniform-hash20", "20 names/event, uniform over 1M names, --hash-bits 20",
                        500_000, 1, 1, 1, 0, Features.UNIFORM_NAMES, 20, 1, Target.none()),
                new EndToEndCase(5, "zipf-hash20", "20 names/event, Zipf s = 1.1 over 1M names, --hash-bits 20",
                        250_000, 1, 1, 1, 0, Features.ZIPF_NAMES, 20, 1, Target.ratio(0.5)),
                new EndToEndCase(6, "zipf-hash24", "20 names/event, Zipf s = 1.1 over 1M names, --hash-bits 24",
                        250_000, 1, 1, 1, 0, Features.ZIPF_NAMES, 24, 1, Target.ratio(0.5)),
                new EndToEndCase(7, "keys100k", "dense d = 10, 100,000 models, 4 partitions, 2 threads",
                        1_000_000, 4, 2, 100_000, 10, Features.DENSE, 0, 1, Target.peakRssMib(1024)),
                // A softmax model of 10 classes over 64 dense features: 650 weights and biases step per event.
                new EndToEndCase(8, "dense64-10classes", "10 classes (softmax), dense d = 64, 1 model, 1 partition",
                        300_000, 1, 1, 1, 64, Features.DENSE, 0, 10, Target.none()),
                // Users' own records: 3 standardized numbers, 4 categories, 1 cross, hashed into 2^20 buckets.
                new EndToEndCase(9, "spec-avro", "feature spec over Confluent Avro clicks, 16 campaign models, "
                        + "--hash-bits 20", 300_000, 1, 1, 16, 0, Features.SPEC_CLICKS, 20, 1, Target.ratio(0.5)),
                new EndToEndCase(10, "spec-avro-rekeyed", "the same clicks keyed by user, re-keyed by campaign "
                        + "field", 300_000, 1, 1, 16, 0, Features.SPEC_CLICKS_REKEYED, 20, 1, Target.none()));
    }

    /** The case called {@code nameOrNumber}. */
    static EndToEndCase named(String nameOrNumber) {
        for (EndToEndCase c : all()) {
            if (c.name.equals(nameOrNumber) || Integer.toString(c.number).equals(nameOrNumber)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown case '" + nameOrNumber + "' (cases: "
                + String.join(", ", all().stream().map(EndToEndCase::name).toList()) + ", or their numbers 1-"
                + all().size() + ")");
    }
}
