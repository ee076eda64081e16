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
 * core within 2× of the plain-array baseline at each bucket count, and 2^24 buckets within 1.5× of 2^16 per event.
 * Exit status 1 when a target is missed, 0 otherwise. Usage: {@code JmhTargets target/bench/jmh.json}.
 */
public final class JmhTargets {

    private JmhTargets() {
    }

    /** Prints the targets of the results in {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        // benchmark method → hashBits → µs per event
        Map<String, Map<Integer, Double>> scores = new TreeMap<>();
        for (JsonNode result : results) {
            String method = result.get("benchmark").asText().replaceAll(".*\\.", "");
            int bits = result.path("params").path("hashBits").asInt(-1);
            scores.computeIfAbsent(method, m -> new TreeMap<>()).put(bits,
                    result.get("primaryMetric").get("score").asDouble());
        }
        Map<Integer, Double> core = scores.getOrDefault("learnOneEvent", Map.of());
        Map<Integer, Double> baseline = scores.getOrDefault("baselineLoop", Map.of());
        Map<Integer, Double> topology = scores.getOrDefault("processOneEvent", Map.of());
        boolean met = true;
        System.out.println();
        System.out.println("JMH targets (µs per 20-feature event)");
        System.out.printf(Locale.ROOT, "%-9s %12s %12s %8s %-10s %5s %16s%n", "buckets", "core", "baseline", "ratio",
                "target", "met?", "whole topology");
        for (Map.Entry<Integer, Double> entry : core.entrySet()) {
            Double floor = baseline.get(entry.getKey());
            double ratio = floor == null ? Double.NaN : entry.getValue() / floor;
            boolean ok = ratio <= 2.0;
            met &= ok;
            Double whole = topology.get(entry.getKey());
            System.out.printf(Locale.ROOT, "2^%-7d %12.3f %12.3f %8.2f %-10s %5s %16s%n", entry.getKey(),
                    entry.getValue(), floor == null ? Double.NaN : floor, ratio, "≤ 2×", ok ? "yes" : "NO",
                    whole == null ? "—" : String.format(Locale.ROOT, "%.1f", whole));
        }
        if (core.containsKey(16) && core.containsKey(24)) {
            double growth = core.get(24) / core.get(16);
            boolean ok = growth <= 1.5;
            met &= ok;
            System.out.printf(Locale.ROOT, "core at 2^24 / 2^16: %.2f (target ≤ 1.5×): %s%n", growth,
                    ok ? "yes" : "NO");
        }
        System.exit(met ? 0 : 1);
    }
}
