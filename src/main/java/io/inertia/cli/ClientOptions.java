package io.inertia.cli;

import io.inertia.config.InertiaConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of the commands that are plain Kafka clients ({@code produce}, {@code snapshots}): the cluster, a
 * properties file (e.g. security settings) and overrides.
 */
final class ClientOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers; required unless bootstrap.servers is set in --config.")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file of Kafka client settings (e.g. security) and inertia.* settings "
                    + "(default: none).")
    Path configFile;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE", description = "Any setting; repeatable (default: none).")
    Map<String, String> properties = new LinkedHashMap<>();

    /** The configuration, with the bootstrap servers checked to be present. */
    InertiaConfig config(String... keysAndValues) {
        Map<String, String> overrides = new LinkedHashMap<>(properties);
        overrides.putAll(RunCommand.kafkaOverrides(bootstrapServers, keysAndValues));
        InertiaConfig config = InertiaConfig.load(configFile, overrides);
        RunCommand.requireBootstrap(config);
        return config;
    }
}
