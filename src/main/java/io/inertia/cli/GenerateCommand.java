package io.inertia.cli;

import io.inertia.io.SyntheticClicks;
import io.inertia.io.SyntheticData;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inertia generate}: seeded regression data with known true weights per model, or seeded click data. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write seeded regression data y = w_k·x + b_k + noise for K models (CSV: model,x1..xD,y) and "
                + "their true weights (JSON), e.g. for the demo and for `inertia check`; or with --clicks seeded click "
                + "events (JSON Lines: one-hot site, ad, device, hour and segment; label 0/1).")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "CSV file to write, or JSON Lines "
            + "with --clicks (required).")
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
            + "--features and --noise do not apply) instead of regression rows (default: regression).")
    boolean clicks;

    @Override
    public Integer call() {
        if (events < 1 || keys < 1 || features < 1 || !(noise >= 0) || Double.isInfinite(noise)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--events, --keys and --features must be >= 1 and --noise a finite number >= 0");
        }
        if (clicks) {
            SyntheticClicks.write(events, seed, output, truth);
            spec.commandLine().getOut().printf("wrote %d click events to %s, true weights to %s%n", events, output,
                    truth);
            return 0;
        }
        SyntheticData.write(new SyntheticData.Spec(events, keys, features, noise, seed), output, truth);
        spec.commandLine().getOut().printf("wrote %d events for %d models to %s, true weights to %s%n", events, keys,
                output, truth);
        return 0;
    }
}
