package io.inertia.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.io.ClickStream;
import io.inertia.io.SyntheticClicks;
import io.inertia.io.SyntheticData;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code inertia generate}: seeded regression data with known true weights per model; with {@code --clicks} seeded
 * click events with their labels; with {@code --clicks --outcomes} a click stream of events without label and their
 * delayed outcomes.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write seeded regression data y = w_k·x + b_k + noise for K models (CSV: model,x1..xD,y) and "
                + "their true weights (JSON), e.g. for the demo and for `inertia check`; or with --clicks seeded click "
                + "events (JSON Lines: one-hot site, ad, device, hour and segment; label 0/1); or with --clicks "
                + "--outcomes a click stream: impressions without label (JSON Lines) and their clicks, later, as "
                + "outcomes (JSON Lines), from a true logistic model per key.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "CSV file of rows, or with --clicks JSON Lines file of events, to write (required).")
    Path output;

    @Option(names = "--truth", required = true, paramLabel = "FILE.json", description = "True weights file to write (required).")
    Path truth;

    @Option(names = "--events", defaultValue = "210000", paramLabel = "N", description = "Rows (default 210000).")
    long events;

    @Option(names = "--keys", defaultValue = "3", paramLabel = "K", description = "Models (default 3).")
    int keys;

    @Option(names = "--features", defaultValue = "3", paramLabel = "D", description = "Features (default 3).")
    int features;

    @Option(names = "--noise", defaultValue = "0.1", paramLabel = "SIGMA", description = "Label noise σ (default 0.1).")
    double noise;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Random seed (default 42).")
    long seed;

    @Option(names = "--clicks", description = "Write click events as JSON Lines (model 'clicks'; --keys, "
            + "--features and --noise do not apply) instead of regression rows; with --outcomes, a click stream of "
            + "events without label and their delayed clicks instead (default: regression).")
    boolean clicks;

    @Option(names = "--outcomes", paramLabel = "FILE.jsonl",
            description = "With --clicks: write events without label to --output and their clicks, later, to this "
                    + "JSON Lines file of outcomes (default: none, click events with their labels).")
    Path outcomes;

    @Option(names = "--rate", defaultValue = "100", paramLabel = "PER_SECOND",
            description = "With --outcomes: events per second of record time (default 100).")
    double rate;

    @Option(names = "--click-rate", defaultValue = "0.03", paramLabel = "P",
            description = "With --outcomes: fraction of events clicked, roughly (default 0.03).")
    double clickRate;

    @Option(names = "--mean-delay-ms", defaultValue = "20000", paramLabel = "MS",
            description = "With --outcomes: mean of the exponential delay of a click (default 20000).")
    double meanDelayMs;

    @Option(names = "--window-ms", defaultValue = "60000", paramLabel = "MS",
            description = "With --outcomes: the outcome window the stream is meant for, to count late clicks "
                    + "(default 60000).")
    long windowMs;

    @Option(names = "--duplicates", defaultValue = "0.02", paramLabel = "FRACTION",
            description = "With --outcomes: fraction of clicks sent twice (default 0.02).")
    double duplicates;

    @Option(names = "--unknown", defaultValue = "0.01", paramLabel = "FRACTION",
            description = "With --outcomes: outcomes for ids no event has, as a fraction of the clicks (default 0.01).")
    double unknown;

    @Option(names = "--start", defaultValue = "2026-01-01T00:00:00Z", paramLabel = "ISO",
            description = "With --outcomes: record time of the first event (default 2026-01-01T00:00:00Z).")
    String start;

    @Override
    public Integer call() {
        if (events < 1 || keys < 1 || features < 1 || !(noise >= 0) || Double.isInfinite(noise)) {
            throw usage("--events, --keys and --features must be >= 1 and --noise a finite number >= 0");
        }
        if (!clicks && outcomes != null) {
            throw usage("--outcomes needs --clicks: a click stream is the data with outcomes");
        }
        if (!clicks) {
            SyntheticData.write(new SyntheticData.Spec(events, keys, features, noise, seed), output, truth);
            spec.commandLine().getOut().printf("wrote %d events for %d models to %s, true weights to %s%n", events,
                    keys, output, truth);
            return 0;
        }
        if (outcomes == null) {
            SyntheticClicks.write(events, seed, output, truth);
            spec.commandLine().getOut().printf("wrote %d click events to %s, true weights to %s%n", events, output,
                    truth);
            return 0;
        }
        if (!(rate > 0) || Double.isInfinite(rate) || !(clickRate > 0 && clickRate < 1) || !(meanDelayMs >= 0)
                || Double.isInfinite(meanDelayMs) || windowMs < 1 || !(duplicates >= 0 && duplicates <= 1)
                || !(unknown >= 0) || Double.isInfinite(unknown)) {
            throw usage("--rate must be > 0, --click-rate in (0, 1), --mean-delay-ms >= 0, --window-ms >= 1, "
                    + "--duplicates in [0, 1] and --unknown >= 0");
        }
        long startMs;
        try {
            startMs = Instant.parse(start).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw usage("--start '" + start + "' is not an ISO-8601 instant such as 2026-01-01T00:00:00Z");
        }
        ObjectNode written = ClickStream.write(new ClickStream.Spec(events, keys, features, rate, clickRate,
                meanDelayMs, windowMs, duplicates, unknown, startMs, seed), output, outcomes, truth);
        spec.commandLine().getOut().printf("wrote %d events for %d models to %s; %d clicks (%d after %d ms, %d sent "
                + "twice) and %d outcomes of unknown ids to %s; true weights to %s%n", events, keys, output,
                written.get("clicks").asLong(), written.get("clicksAfterWindow").asLong(), windowMs,
                written.get("duplicatedClicks").asLong(), written.get("unknownOutcomes").asLong(), outcomes, truth);
        return 0;
    }

    private picocli.CommandLine.ParameterException usage(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
}
