package io.inertia.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A seeded click stream with delayed outcomes, to try the outcome join as a user would: impressions (events without a
 * label) and, later, clicks (outcomes with label 1), from a known logistic model per model key.
 *
 * <ul>
 *   <li>Events arrive as a Poisson process of {@code rate} per second from {@code start}, cycling through the model
 *       keys model-1 … model-K; each has the features x1 … xD ~ N(0, 1) (three decimals) and the id e1, e2, ….</li>
 *   <li>Each model's true weights are drawn from U(−1.5, 1.5) (two decimals); its bias b is chosen so that about
 *       {@code clickRate} of its events are clicked: with s² = Σ w² the variance of the score, b = logit(clickRate)·
 *       √(1 + π·s²/8), the probit approximation of E[σ(b + s·Z)] = clickRate.</li>
 *   <li>An event is clicked with probability σ(w·x + b); its click comes after an exponential delay of mean
 *       {@code meanDelayMs}, so a fraction e^(−window/mean) of clicks lands after a window of {@code windowMs}
 *       (late).</li>
 *   <li>A fraction {@code duplicates} of clicks is sent twice, the copy about a second later; outcomes for ids that
 *       no event has ({@code unknown-1}, …), {@code unknown} times the clicks in number, are spread over the
 *       stream.</li>
 * </ul>
 *
 * Two JSON Lines files in time order: events {@code {"timestamp", "key", "id", "features"}} and outcomes
 * {@code {"timestamp", "key", "id", "label"}}; {@code timestamp} is the record time in ms since the epoch, the rest the
 * JSON event or outcome as Inertia reads it ({@code inertia.input.format=json}). The truth file has the weights and
 * the counts. The same arguments always give the same bytes (java.util.Random, StrictMath).
 */
public final class ClickStream {

    /**
     * A click stream's parameters.
     *
     * @param events number of events
     * @param keys number of models, model-1 … model-K
     * @param features features per event, x1 … xD
     * @param rate events per second
     * @param clickRate the fraction of events clicked, roughly (0 &lt; clickRate &lt; 1)
     * @param meanDelayMs mean delay of a click after its event
     * @param windowMs the outcome window the stream is meant for (for the count of late clicks in the truth file)
     * @param duplicates fraction of clicks sent twice
     * @param unknown outcomes for unknown ids, as a fraction of the clicks
     * @param start time of the first event, ms since the epoch
     * @param seed the random seed
     */
    public record Spec(long events, int keys, int features, double rate, double clickRate, double meanDelayMs,
            long windowMs, double duplicates, double unknown, long start, long seed) {
    }

    /** One outcome line before sorting. */
    private record Outcome(long timestamp, long order, String line) {
    }

    private ClickStream() {
    }

    /** Writes the events, the outcomes and the truth file of {@code spec}; returns the truth, as written. */
    public static ObjectNode write(Spec spec, Path eventFile, Path outcomeFile, Path truthFile) {
        Random random = new Random(spec.seed());
        double[][] weights = new double[spec.keys()][spec.features()];
        double[] biases = new double[spec.keys()];
        for (int k = 0; k < spec.keys(); k++) {
            double variance = 0;
            for (int j = 0; j < spec.features(); j++) {
                weights[k][j] = Math.round((random.nextDouble() * 3 - 1.5) * 100) / 100.0;
                variance += weights[k][j] * weights[k][j];
            }
            double logit = StrictMath.log(spec.clickRate() / (1 - spec.clickRate()));
            biases[k] = Math.round(logit * StrictMath.sqrt(1 + Math.PI * variance / 8) * 100) / 100.0;
        }
        List<Outcome> outcomes = new ArrayList<>();
        long clicks = 0;
        long late = 0;
        long duplicated = 0;
        long time = spec.start();
        long last = time;
        try (BufferedWriter out = Files.newBufferedWriter(eventFile, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            double[] x = new double[spec.features()];
            for (long i = 1; i <= spec.events(); i++) {
                time += Math.round(exponential(random, 1000.0 / spec.rate()));
                int k = (int) ((i - 1) % spec.keys());
                double z = biases[k];
                line.setLength(0);
                line.append("{\"timestamp\": ").append(time).append(", \"key\": \"model-").append(k + 1)
                        .append("\", \"id\": \"e").append(i).append("\", \"features\": {");
                for (int j = 0; j < x.length; j++) {
                    x[j] = Math.round(random.nextGaussian() * 1000) / 1000.0;
                    z += weights[k][j] * x[j];
                    line.append(j == 0 ? "" : ", ").append("\"x").append(j + 1).append("\": ").append(x[j]);
                }
                out.write(line.append("}}").toString());
                out.newLine();
                double clickProbability = 1 / (1 + StrictMath.exp(-z));
                // Drawn for every event, clicked or not, so that one event's outcome never shifts the next's draws.
                double u = random.nextDouble();
                long delay = Math.round(exponential(random, spec.meanDelayMs()));
                double d = random.nextDouble();
                long copyDelay = Math.round(exponential(random, 1000));
                if (u < clickProbability) {
                    clicks++;
                    late += delay > spec.windowMs() ? 1 : 0;
                    String click = outcomeLine(time + delay, "model-" + (k + 1), "e" + i);
                    outcomes.add(new Outcome(time + delay, outcomes.size(), click));
                    if (d < spec.duplicates()) {
                        duplicated++;
                        outcomes.add(new Outcome(time + delay + copyDelay, outcomes.size(),
                                outcomeLine(time + delay + copyDelay, "model-" + (k + 1), "e" + i)));
                    }
                }
                last = time;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + eventFile, e);
        }
        long unknown = Math.round(spec.unknown() * clicks);
        for (long n = 1; n <= unknown; n++) {
            long at = spec.start() + (long) (random.nextDouble() * (last - spec.start() + 1));
            outcomes.add(new Outcome(at, outcomes.size(), outcomeLine(at, "model-" + (1 + random.nextInt(spec.keys())),
                    "unknown-" + n)));
        }
        outcomes.sort(Comparator.comparingLong(Outcome::timestamp).thenComparingLong(Outcome::order));
        try (BufferedWriter out = Files.newBufferedWriter(outcomeFile, StandardCharsets.UTF_8)) {
            for (Outcome outcome : outcomes) {
                out.write(outcome.line());
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outcomeFile, e);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode truth = json.createObjectNode();
        truth.put("seed", spec.seed());
        truth.put("events", spec.events());
        truth.put("clicks", clicks);
        truth.put("clickRate", spec.events() == 0 ? 0 : (double) clicks / spec.events());
        truth.put("meanDelayMs", spec.meanDelayMs());
        truth.put("windowMs", spec.windowMs());
        truth.put("clicksAfterWindow", late);
        truth.put("duplicatedClicks", duplicated);
        truth.put("unknownOutcomes", unknown);
        ObjectNode models = truth.putObject("models");
        for (int k = 0; k < spec.keys(); k++) {
            ObjectNode model = models.putObject("model-" + (k + 1));
            ObjectNode w = model.putObject("weights");
            for (int j = 0; j < spec.features(); j++) {
                w.put("x" + (j + 1), weights[k][j]);
            }
            model.put("bias", biases[k]);
        }
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(truthFile.toFile(), truth);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + truthFile, e);
        }
        return truth;
    }

    private static String outcomeLine(long timestamp, String key, String id) {
        return "{\"timestamp\": " + timestamp + ", \"key\": \"" + key + "\", \"id\": \"" + id + "\", \"label\": 1}";
    }

    /** A draw of the exponential distribution of mean {@code mean}, by inversion. */
    private static double exponential(Random random, double mean) {
        return -mean * StrictMath.log(1 - random.nextDouble());
    }
}
