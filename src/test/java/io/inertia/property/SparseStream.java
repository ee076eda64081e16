package io.inertia.property;

import io.inertia.model.Example;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;

/**
 * A random stream of sparse events over a small vocabulary of named features {@code f00, f01, …}, labeled by a random
 * linear function y = Σ_j a_j·x_j + c + noise.
 *
 * <p>Each event carries a random subset of the vocabulary (at most {@value #MAX_EVENT_FEATURES} features, sometimes
 * none) with values in [−1, 1]. The stream has a head, whose events draw from the whole vocabulary, and a quiet tail,
 * whose events draw only from the first {@code activeInTail} names: the other weights then go untouched for up to the
 * whole tail, long enough to pass the horizons after which {@code Optimizer.skip} stops stepping one by one
 * (about 400 updates at β = 0.9).
 *
 * <p>With at most 6 features of |x| ≤ 1 and the bias, one event's squared-loss curvature is at most 7, so learning
 * rates up to 0.1 keep every momentum variant stable.
 *
 * @param vocabulary the feature names, in name order
 * @param truth a_j of each name
 * @param truthBias c
 * @param events the events, in stream order
 */
record SparseStream(List<String> vocabulary, Map<String, Double> truth, double truthBias, List<Event> events) {

    /** The classes of a softmax stream's labels. */
    static final int SOFTMAX_CLASSES = 3;

    /** Most features one event carries. */
    static final int MAX_EVENT_FEATURES = 6;

    /**
     * One event: its features and the noise added to its label.
     *
     * @param features feature name → value, in name order
     * @param noise uniform in [−0.5, 0.5]
     */
    record Event(SortedMap<String, Double> features, double noise) {
    }

    /**
     * Streams over 10 to 30 names with up to {@code maxHead} head events and, as often, a short tail (up to a quarter
     * of {@code maxTail} events) or a long one (half of {@code maxTail} to {@code maxTail}).
     */
    static Arbitrary<SparseStream> streams(int maxHead, int maxTail) {
        return uniform(10, 30).flatMap(size -> {
            List<String> vocabulary = IntStream.range(0, size).mapToObj(i -> String.format("f%02d", i)).toList();
            return uniform(1, size).flatMap(activeInTail -> {
                Arbitrary<List<Double>> truth = Arbitraries.doubles().between(-2, 2).ofScale(3).list().ofSize(size);
                Arbitrary<Double> truthBias = Arbitraries.doubles().between(-1, 1).ofScale(3);
                Arbitrary<Event> any = events(vocabulary);
                Arbitrary<Event> quiet = events(vocabulary.subList(0, activeInTail));
                Arbitrary<List<Event>> head = uniform(0, maxHead).flatMap(n -> any.list().ofSize(n));
                Arbitrary<Integer> tailLength = Arbitraries.oneOf(uniform(0, maxTail / 4), uniform(maxTail / 2, maxTail));
                Arbitrary<List<Event>> tail = tailLength.flatMap(n -> quiet.list().ofSize(n));
                return Combinators.combine(truth, truthBias, head, tail).as((weights, bias, first, then) -> {
                    Map<String, Double> byName = new TreeMap<>();
                    for (int i = 0; i < size; i++) {
                        byName.put(vocabulary.get(i), weights.get(i));
                    }
                    List<Event> all = new ArrayList<>(first);
                    all.addAll(then);
                    return new SparseStream(vocabulary, Collections.unmodifiableMap(byName), bias, List.copyOf(all));
                });
            });
        });
    }

    /**
     * Integers in [min, max], each as likely: jqwik's default favours small values and mixes in the bounds as edge
     * cases, which for the shape of a stream (vocabulary size, lengths) would make most streams short.
     */
    private static Arbitrary<Integer> uniform(int min, int max) {
        return Arbitraries.integers().between(min, max).withDistribution(RandomDistribution.uniform())
                .withoutEdgeCases();
    }

    private static Arbitrary<Event> events(List<String> names) {
        Arbitrary<Double> values = Arbitraries.doubles().between(-1, 1).ofScale(6);
        Arbitrary<Map<String, Double>> features = Arbitraries.maps(Arbitraries.of(names), values)
                .ofMaxSize(Math.min(MAX_EVENT_FEATURES, names.size()));
        Arbitrary<Double> noise = Arbitraries.doubles().between(-0.5, 0.5).ofScale(4);
        return Combinators.combine(features, noise).as((named, n) -> new Event(
                Collections.unmodifiableSortedMap(new TreeMap<>(named)), n));
    }

    /** Number of events. */
    int size() {
        return events.size();
    }

    /** The noiseless score Σ_j a_j·x_j + c of event {@code i}. */
    double score(int i) {
        double sum = truthBias;
        for (Map.Entry<String, Double> feature : events.get(i).features().entrySet()) {
            sum += truth.get(feature.getKey()) * feature.getValue();
        }
        return sum;
    }

    /**
     * The label of event {@code i} in the domain of loss {@code loss} (a name of {@code Loss.names()}): the score plus
     * noise for regression losses, its sign as 1/0 (logistic) or 1/−1 (hinge), a count for poisson, one of
     * {@value #SOFTMAX_CLASSES} classes by where it falls (below −0.5, up to 0.5, above) for softmax.
     */
    double label(int i, String loss) {
        double noisy = score(i) + events.get(i).noise();
        return switch (loss) {
            case "logistic" -> noisy > 0 ? 1.0 : 0.0;
            case "hinge" -> noisy > 0 ? 1.0 : -1.0;
            case "softmax" -> noisy < -0.5 ? 0.0 : noisy < 0.5 ? 1.0 : 2.0;
            case "poisson" -> Math.floor(Math.exp(0.5 * score(i)) + events.get(i).noise() + 0.5);
            default -> noisy;
        };
    }

    /** Event {@code i} as it is: only the features it carries, squared-loss label. */
    Example sparse(int i) {
        return sparse(i, "squared");
    }

    /** Event {@code i} as it is, with its label for loss {@code loss}. */
    Example sparse(int i, String loss) {
        return Example.of(null, events.get(i).features(), label(i, loss), 1.0);
    }

    /**
     * Event {@code i} padded with an explicit 0.0 for every name of the vocabulary it does not carry, so that every
     * weight takes its step (with zero loss gradient) on every event: the dense semantics.
     */
    Example dense(int i) {
        return dense(i, "squared");
    }

    /** As {@link #dense(int)}, with its label for loss {@code loss}. */
    Example dense(int i, String loss) {
        Map<String, Double> padded = new HashMap<>();
        vocabulary.forEach(name -> padded.put(name, 0.0));
        padded.putAll(events.get(i).features());
        return Example.of(null, padded, label(i, loss), 1.0);
    }

    /**
     * The longest run of consecutive updates that leave some weight untouched, counting from the first event that
     * carries it to the end of the stream: how far a lazy catch-up has to reach.
     */
    int longestQuietRun() {
        Map<String, Integer> lastSeen = new HashMap<>();
        int longest = 0;
        for (int i = 0; i < events.size(); i++) {
            for (String name : events.get(i).features().keySet()) {
                Integer previous = lastSeen.put(name, i);
                if (previous != null) {
                    longest = Math.max(longest, i - previous - 1);
                }
            }
        }
        for (int last : lastSeen.values()) {
            longest = Math.max(longest, events.size() - 1 - last);
        }
        return longest;
    }

    @Override
    public String toString() {
        return "SparseStream{" + vocabulary.size() + " names, " + events.size() + " events, truth=" + truth
                + ", bias=" + truthBias + ", events=" + events.stream().map(e -> e.features() + "~" + e.noise())
                        .collect(Collectors.joining(", ", "[", "]")) + '}';
    }
}
