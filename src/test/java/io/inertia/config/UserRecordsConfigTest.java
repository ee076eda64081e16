package io.inertia.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings of users' own records (feature spec, formats, schema registry) go together, or say why not. */
class UserRecordsConfigTest {

    @TempDir
    Path dir;
    private String spec;
    private String schema;

    @BeforeEach
    void files() throws Exception {
        spec = Files.writeString(dir.resolve("clicks.yaml"), """
                label: clicked
                numeric: [ad.price]
                categorical: [user.country]
                """).toString();
        schema = Files.writeString(dir.resolve("click.avsc"), """
                {"type": "record", "name": "Click", "fields": [
                  {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                    {"name": "country", "type": "string"}]}},
                  {"name": "ad", "type": {"type": "record", "name": "Ad", "fields": [
                    {"name": "cost", "type": "double"}]}},
                  {"name": "clicked", "type": "boolean"}]}""").toString();
    }

    private static List<String> problems(Map<String, String> settings) {
        return assertThrows(ConfigException.class, () -> InertiaConfig.of(settings)).problems();
    }

    @Test
    void shouldTakeAConfluentAvroInputWithASpecAndARegistry() {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.input.format", "confluent-avro",
                "inertia.feature-spec", spec, "inertia.schema.registry.url", "http://127.0.0.1:8081/apis/ccompat/v7",
                "inertia.schema.registry.basic.auth.user.info", "me:secret"));
        assertNotNull(config.featureSpec());
        assertEquals("http://127.0.0.1:8081/apis/ccompat/v7", config.registry().url());
        assertEquals("me:secret", config.registry().userInfo());
        assertEquals(5000, config.registry().maxBlockMs());
        assertFalse(config.registry().toString().contains("secret"), "the password is never printed");
        assertEquals(config.asMap(), InertiaConfig.of(config.asMap()).asMap(), "the settings round-trip");
    }

    @Test
    void shouldSayWhatIsMissingForConfluentAvro() {
        assertEquals(List.of("inertia.input.format=confluent-avro reads your own Avro records: give a feature spec "
                + "(--feature-spec FILE or inertia.feature-spec)",
                "inertia.schema.registry.url is required with inertia.input.format=confluent-avro"),
                problems(Map.of("inertia.input.format", "confluent-avro")));
        assertEquals(List.of("inertia.schema.registry.url is only used with inertia.input.format=confluent-avro (now "
                + "json)"), problems(Map.of("inertia.input.format", "json", "inertia.feature-spec", spec,
                        "inertia.schema.registry.url", "http://127.0.0.1:8081")));
        assertEquals(List.of("inertia.schema.registry.url: 'ftp://host/x' is not an http:// or https:// URL"),
                problems(Map.of("inertia.input.format", "confluent-avro", "inertia.feature-spec", spec,
                        "inertia.schema.registry.url", "ftp://host/x")));
    }

    @Test
    void shouldTakeAReaderSchemaOnlyWithASpecOverAvro() {
        assertEquals(List.of("inertia.input.reader-schema goes with a feature spec over Avro records "
                + "(inertia.input.format=avro or confluent-avro)"),
                problems(Map.of("inertia.input.reader-schema", schema)));
    }

    @Test
    void shouldCheckTheSpecsPathsAgainstTheReaderSchema() {
        assertEquals(List.of(spec + ": numeric[0] 'ad.price': no field 'price' in 'ad' (fields: cost) (in the reader "
                + "schema " + schema + ")"), problems(Map.of("inertia.feature-spec", spec,
                        "inertia.input.reader-schema", schema)));
    }

    @Test
    void shouldReportTheSpecsOwnMistakesAndTakeStandardize() throws Exception {
        Files.writeString(Path.of(spec), """
                label: clicked
                numeric: [{field: ad.price, transform: standardize}]
                categorical: [{field: user.country, on-missing: never}]
                """);
        assertEquals(List.of(spec + ": categorical[0].on-missing: expected skip or dead-letter, got 'never'"),
                problems(Map.of("inertia.input.format", "json", "inertia.feature-spec", spec)));
        Files.writeString(Path.of(spec), """
                label: clicked
                numeric: [{field: ad.price, transform: standardize}]
                """);
        // Learned per model, in run and replay alike: nothing to refuse.
        assertTrue(InertiaConfig.of(Map.of("inertia.input.format", "json", "inertia.feature-spec", spec))
                .featureSpec().standardizes());
        assertEquals(List.of(dir.resolve("none.yaml") + ": no such file"),
                problems(Map.of("inertia.input.format", "json", "inertia.feature-spec",
                        dir.resolve("none.yaml").toString())));
    }

    @Test
    void shouldKeepTheRegistryWaitBelowTheTransactionTimeout() {
        Map<String, String> settings = new LinkedHashMap<>(Map.of("inertia.input.format", "confluent-avro",
                "inertia.feature-spec", spec, "inertia.schema.registry.url", "https://registry.example:8081",
                "inertia.schema.registry.max-block-ms", "9000"));
        assertEquals(List.of("inertia.schema.registry.max-block-ms=9000 must stay 2 s below the transaction timeout "
                + "(10000 ms) under exactly-once: the broker would abort the open transaction of a longer wait; raise "
                + "producer.transaction.timeout.ms with it"), problems(settings));
        settings.put("producer.transaction.timeout.ms", "60000");
        assertEquals(9000, InertiaConfig.of(settings).registry().maxBlockMs());
        settings.remove("producer.transaction.timeout.ms");
        settings.put("processing.guarantee", "at_least_once");
        assertEquals(9000, InertiaConfig.of(settings).registry().maxBlockMs());
    }
}
