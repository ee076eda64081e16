package io.inertia.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads JMH's JSON results of {@link SparseEventBenchmark} and prints its targets beside the figures: the learning
 * core within 2× of the plain-array baseline at each bucket count and vocabulary, and 2^24 buckets within 1.5× of
 * 2^16 per event where both models hold about as many weights (the smallest vocabulary; the others are reported);
 * FTRL within 1.5× of the binary (logistic, momentum) learner per event, and a 10-class softmax event within
 * 1.2·10 = 12× of it. Exit status 1 when a target is missed, 0 otherwise. Usage:
 * {@code JmhTargets target/bench/jmh.json}.
 */
public final class JmhTargets {

    private JmhTargets() {
    }

    /** Prints the targets of the results in {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        // benchmark method → vocabulary → hashBits → µs per event
        Map<String, Map<Integer, Map<Integer, Double>>> scores = new TreeMap<>();
        // learnOneEventOf: learner → µs per event
        Map<String, Double> learners = new TreeMap<>();
        for (JsonNode result : results) {
            String method = result.get("benchmark").asText().replaceAll(".*\\.", "");
            if (method.equals("learnOneEventOf")) {
                learners.put(result.path("params").path("learner").asText(),
                        result.get("primaryMetric").get("score").asDouble());
                continue;
            }
            int bits = result.path("params").path("hashBits").asInt(-1);
            int vocabulary = result.path("params").path("vocabulary").asInt(-1);
            scores.computeIfAbsent(method, m -> new TreeMap<>()).computeIfAbsent(vocabulary, v -> new TreeMap<>())
                    .put(bits, result.get("primaryMetric").get("score").asDouble());
        }
        Map<Integer, Map<Integer, Double>> core = scores.getOrDefault("learnOneEvent", Map.of());
        Map<Integer, Map<Integer, Double>> baseline = scores.getOrDefault("baselineLoop", Map.of());
        Map<Integer, Map<Integer, Double>> topology = scores.getOrDefault("processOneEvent", Map.of());
        boolean met = true;
        System.out.println();
        System.out.println("JMH targets (µs per 20-feature event)");
        System.out.printf(Locale.ROOT, "%-11s %-9s %10s %10s %7s %-7s %5s %15s%n", "vocabulary", "buckets", "core",
                "baseline", "ratio", "target", "met?", "processor path");
        for (Map.Entry<Integer, Map<Integer, Double>> byVocabulary : core.entrySet()) {
            int vocabulary = byVocabulary.getKey();
            for (Map.Entry<Integer, Double> entry : byVocabulary.getValue().entrySet()) {
                Double floor = baseline.getOrDefault(vocabulary, Map.of()).get(entry.getKey());
                double ratio = floor == null ? Double.NaN : entry.getValue() / floor;
                boolean ok = ratio <= 2.0;
                met &= ok;
                Double whole = topology.getOrDefault(vocabulary, Map.of()).get(entry.getKey());
                System.out.printf(Locale.ROOT, "%,-11d 2^%-7d %10.3f %10.3f %7.2f %-7s %5s %15s%n", vocabulary,
                        entry.getKey(), entry.getValue(), floor == null ? Double.NaN : floor, ratio, "≤ 2×",
                        ok ? "yes" : "NO", whole == null ? "—" : String.format(Locale.ROOT, "%.1f", whole));
            }
        }
        // The bucket count alone is compared where the models hold about as many weights at 2^16 and 2^24: the
        // smallest vocabulary. With more names than 2^16 buckets, the 2^24 model also holds more weights.
        boolean judged = false;
        for (Map.Entry<Integer, Map<Integer, Double>> byVocabulary : core.entrySet()) {
            Map<Integer, Double> byBits = byVocabulary.getValue();
            if (!byBits.containsKey(16) || !byBits.containsKey(24)) {
                continue;
            }
            double growth = byBits.get(24) / byBits.get(16);
            if (!judged) {
                boolean ok = growth <= 1.5;
                met &= ok;
                System.out.printf(Locale.ROOT, "core at 2^24 / 2^16, %,d names (models of about equal size): %.2f "
                        + "(target ≤ 1.5×): %s%n", byVocabulary.getKey(), growth, ok ? "yes" : "NO");
                judged = true;
            } else {
                System.out.printf(Locale.ROOT, "core at 2^24 / 2^16, %,d names (the 2^24 model holds more weights): "
                        + "%.2f (reported)%n", byVocabulary.getKey(), growth);
            }
        }
        Double binary = learners.get("binary");
        if (binary != null) {
            System.out.printf(Locale.ROOT, "learners, µs per event: binary %.3f", binary);
            learners.forEach((name, score) -> {
                if (!name.equals("binary")) {
                    System.out.printf(Locale.ROOT, ", %s %.3f", name, score);
                }
            });
            System.out.println();
            for (Map.Entry<String, Double> limit : Map.of("ftrl", 1.5, "softmax10", 12.0).entrySet()) {
                Double score = learners.get(limit.getKey());
                if (score != null) {
                    double ratio = score / binary;
                    boolean ok = ratio <= limit.getValue();
                    met &= ok;
                    System.out.printf(Locale.ROOT, "%s / binary: %.2f (target ≤ %s×): %s%n", limit.getKey(), ratio,
                            limit.getValue(), ok ? "yes" : "NO");
                }
            }
        }
        System.exit(met ? 0 : 1);
    }
}
