package io.inertia.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Seeded click data for one model, as JSON Lines: categorical features one-hot encoded as named features
 * {@code field=value} (value 1), the kind of sparse, open-vocabulary data that FTRL-Proximal and feature hashing are
 * for. Each event draws a site (of 2,000), an ad (of 10,000), a device (of 5), an hour (of 24) and a user segment (of
 * 50); sites and ads are heavy-tailed, value i drawn as ⌊n^u⌋ − 1 for u uniform in [0, 1) (log-uniform, so a few
 * values are frequent and most are rare). Every value has a true weight from N(0, 0.8²) and the click is drawn with
 * probability σ(Σ weights − 1.5), about one event in four. The same seed always gives the same bytes.
 */
public final class SyntheticClicks {

    /** Each field and its number of values. */
    private static final String[] FIELDS = {"site", "ad", "device", "hour", "segment"};
    private static final int[] VALUES = {2_000, 10_000, 5, 24, 50};
    /** Whether a field's values are drawn log-uniformly rather than uniformly. */
    private static final boolean[] HEAVY_TAILED = {true, true, false, false, false};
    private static final double BIAS = -1.5;
    private static final double WEIGHT_SCALE = 0.8;

    private SyntheticClicks() {
    }

    /** Writes {@code events} events to {@code jsonl} and the true weights to {@code truth} (JSON). */
    public static void write(long events, long seed, Path jsonl, Path truth) {
        Random random = new Random(seed);
        double[][] weights = new double[FIELDS.length][];
        for (int f = 0; f < FIELDS.length; f++) {
            weights[f] = new double[VALUES[f]];
            for (int v = 0; v < VALUES[f]; v++) {
                weights[f][v] = WEIGHT_SCALE * random.nextGaussian();
            }
        }
        long clicks = 0;
        try (BufferedWriter out = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (long i = 0; i < events; i++) {
                line.setLength(0);
                line.append("{\"key\":\"clicks\",\"id\":\"c").append(i).append("\",\"features\":{");
                double score = BIAS;
                for (int f = 0; f < FIELDS.length; f++) {
                    int value = HEAVY_TAILED[f] ? (int) Math.floor(Math.pow(VALUES[f], random.nextDouble())) - 1
                            : random.nextInt(VALUES[f]);
                    value = Math.max(0, Math.min(VALUES[f] - 1, value));
                    score += weights[f][value];
                    line.append(f == 0 ? "" : ",").append('"').append(FIELDS[f]).append('=').append(value)
                            .append("\":1");
                }
                int click = random.nextDouble() < 1 / (1 + Math.exp(-score)) ? 1 : 0;
                clicks += click;
                out.write(line.append("},\"label\":").append(click).append('}').toString());
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jsonl, e);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("seed", seed);
        root.put("events", events);
        root.put("clicks", clicks);
        root.put("bias", BIAS);
        ObjectNode byFeature = root.putObject("weights");
        for (int f = 0; f < FIELDS.length; f++) {
            for (int v = 0; v < VALUES[f]; v++) {
                byFeature.put(FIELDS[f] + "=" + v, weights[f][v]);
            }
        }
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(truth.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + truth, e);
        }
    }
}
