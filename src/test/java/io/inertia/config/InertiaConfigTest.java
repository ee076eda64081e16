package io.inertia.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.model.LearningRateSchedule;
import io.inertia.model.Optimizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InertiaConfigTest {

    @TempDir
    Path dir;

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                Arguments.of("inertia.momentum", "1", "inertia.momentum: must be in [0, 1), got 1"),
                Arguments.of("inertia.momentum", "-0.1", "inertia.momentum: must be in [0, 1), got -0.1"),
                Arguments.of("inertia.momentum", "NaN", "inertia.momentum: must be a finite number, got NaN"),
                Arguments.of("inertia.learning-rate", "0", "inertia.learning-rate: must be > 0, got 0"),
                Arguments.of("inertia.learning-rate", "-0.5", "inertia.learning-rate: must be > 0, got -0.5"),
                Arguments.of("inertia.learning-rate", "abc", "inertia.learning-rate: 'abc' is not a number"),
                Arguments.of("inertia.learning-rate", "Infinity",
                        "inertia.learning-rate: must be a finite number, got Infinity"),
                Arguments.of("inertia.snapshot-every", "0", "inertia.snapshot-every: must be >= 1, got 0"),
                Arguments.of("inertia.snapshot-every", "1.5", "inertia.snapshot-every: '1.5' is not a whole number"),
                Arguments.of("inertia.loss", "cubic", "inertia.loss: unknown loss 'cubic', expected one of "
                        + "squared, absolute, huber, quantile, logistic, hinge, poisson, softmax"),
                Arguments.of("inertia.optimizer", "rmsprop", "inertia.optimizer: unknown value 'rmsprop', expected one "
                        + "of momentum, ema-momentum, nesterov, sgd, adagrad, adam, ftrl"),
                Arguments.of("inertia.loss", "softmax", "inertia.loss=softmax needs K >= 2 classes: set "
                        + "inertia.classes or inertia.class-names"),
                Arguments.of("inertia.classes", "3", "inertia.classes: only the softmax loss has classes "
                        + "(inertia.loss=softmax), not squared"),
                Arguments.of("inertia.class-names", "a,b", "inertia.class-names: only the softmax loss has classes "
                        + "(inertia.loss=softmax), not squared"),
                Arguments.of("inertia.classes", "-1", "inertia.classes: must be between 0 and 10000, got -1"),
                Arguments.of("inertia.ftrl.alpha", "0", "inertia.ftrl.alpha: must be > 0, got 0"),
                Arguments.of("inertia.ftrl.beta", "-1", "inertia.ftrl.beta: must be >= 0, got -1"),
                Arguments.of("inertia.schedule", "cosine",
                        "inertia.schedule: unknown value 'cosine', expected one of constant, invscaling, optimal"),
                Arguments.of("inertia.l2", "-1", "inertia.l2: must be >= 0, got -1"),
                Arguments.of("inertia.epsilon", "0", "inertia.epsilon: must be > 0, got 0"),
                Arguments.of("inertia.adam-beta2", "1", "inertia.adam-beta2: must be in [0, 1), got 1"),
                Arguments.of("inertia.power-t", "-0.5", "inertia.power-t: must be >= 0, got -0.5"),
                Arguments.of("inertia.alpha", "0", "inertia.alpha: must be > 0, got 0"),
                Arguments.of("inertia.t0", "-3", "inertia.t0: must be >= 0 or auto, got -3"),
                Arguments.of("inertia.huber-delta", "0", "inertia.huber-delta: must be > 0, got 0"),
                Arguments.of("inertia.quantile-tau", "1", "inertia.quantile-tau: must be in (0, 1), got 1"),
                Arguments.of("inertia.metrics-window", "0", "inertia.metrics-window: must be >= 1, got 0"),
                Arguments.of("inertia.topic.input", "", "inertia.topic.input: must not be empty"),
                Arguments.of("inertia.topic.snapshots", "", "inertia.topic.snapshots: must not be empty"),
                Arguments.of("inertia.topic.dead-letters", "  ", "inertia.topic.dead-letters: must not be empty"),
                Arguments.of("inertia.loss-smoothing", "0", "inertia.loss-smoothing: must be in (0, 1], got 0"),
                Arguments.of("inertia.loss-smoothing", "1.5", "inertia.loss-smoothing: must be in (0, 1], got 1.5"),
                Arguments.of("inertia.topic.partitions", "0", "inertia.topic.partitions: must be >= 1, got 0"),
                Arguments.of("inertia.topic.replication-factor", "40000",
                        "inertia.topic.replication-factor: must be between 1 and 32767, got 40000"),
                Arguments.of("inertia.hash-bits", "31", "inertia.hash-bits: must be between 0 and 30, got 31"),
                Arguments.of("inertia.hash-bits", "-1", "inertia.hash-bits: must be between 0 and 30, got -1"),
                Arguments.of("inertia.hash-bits", "x", "inertia.hash-bits: 'x' is not a whole number"),
                Arguments.of("inertia.learnig-rate", "0.1", "inertia.learnig-rate: unknown setting"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("invalidSettings")
    void shouldRefuseAnInvalidValueWithItsMessage(String key, String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.of(Map.of(key, value)));
        assertEquals(List.of(message), e.problems());
        assertEquals(message, e.getMessage());
    }

    @Test
    void shouldTakeTheClassCountFromTheClassNamesOrFromClasses() {
        InertiaConfig named = InertiaConfig.of(Map.of("inertia.loss", "softmax", "inertia.class-names", " a, b ,c"));
        assertEquals(3, named.classes());
        assertEquals(List.of("a", "b", "c"), named.classNames());
        assertEquals(3, named.learner().outputs());
        InertiaConfig counted = InertiaConfig.of(Map.of("inertia.loss", "softmax", "inertia.classes", "10"));
        assertEquals(10, counted.classes());
        assertEquals(List.of(), counted.classNames());
        assertEquals(1, InertiaConfig.defaults().classes(), "a single-output loss");
    }

    @Test
    void shouldRefuseClassNamesThatDisagreeWithClassesOrRepeatAName() {
        ConfigException mismatch = assertThrows(ConfigException.class, () -> InertiaConfig.of(Map.of(
                "inertia.loss", "softmax", "inertia.classes", "4", "inertia.class-names", "a,b,c")));
        assertEquals(List.of("inertia.class-names: names 3 classes but inertia.classes is 4"), mismatch.problems());
        ConfigException twice = assertThrows(ConfigException.class, () -> InertiaConfig.of(Map.of(
                "inertia.loss", "softmax", "inertia.class-names", "a,b,a")));
        assertEquals(List.of("inertia.class-names: 'a' is named twice",
                "inertia.loss=softmax needs K >= 2 classes: set inertia.classes or inertia.class-names"),
                twice.problems());
    }

    @Test
    void shouldRefuseAScheduleWithFtrlWhichSetsItsOwnRates() {
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.of(Map.of(
                "inertia.optimizer", "ftrl", "inertia.schedule", "invscaling")));
        assertEquals(List.of("inertia.schedule: ftrl sets each coordinate's own rate α/(β + √n) (inertia.ftrl.alpha, "
                + "inertia.ftrl.beta); leave the schedule constant, got invscaling"), e.problems());
        InertiaConfig ftrl = InertiaConfig.of(Map.of("inertia.optimizer", "ftrl", "inertia.ftrl.alpha", "0.1",
                "inertia.ftrl.beta", "0.5", "inertia.l1", "0.2"));
        assertEquals("ftrl", ftrl.optimizer().name());
        assertEquals(0.1, ftrl.ftrlAlpha());
        assertEquals(0.5, ftrl.ftrlBeta());
        assertEquals(List.of("z", "n"), ftrl.learner().stateNames(), "FTRL's L1 needs no l1Applied state");
    }

    @Test
    void shouldReportSeveralProblemsTogetherOnePerLine() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.momentum", "1");
        settings.put("inertia.learning-rate", "0");
        settings.put("inertia.snapshot-every", "0");
        settings.put("inertia.colour", "blue");
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.of(settings));
        List<String> expected = List.of(
                "inertia.learning-rate: must be > 0, got 0",
                "inertia.momentum: must be in [0, 1), got 1",
                "inertia.snapshot-every: must be >= 1, got 0",
                "inertia.colour: unknown setting");
        assertEquals(expected, e.problems());
        assertEquals(expected, e.getMessage().lines().toList());
    }

    @Test
    void shouldUseTheDocumentedDefaults() {
        InertiaConfig config = InertiaConfig.defaults();
        assertEquals("labeled-events", config.inputTopic());
        assertEquals("model-snapshots", config.snapshotTopic());
        assertEquals("dead-letters", config.deadLetterTopic());
        assertEquals("squared", config.loss().name());
        assertEquals(LearningRateSchedule.DEFAULT_LEARNING_RATE, config.learningRate());
        assertEquals(Optimizer.DEFAULT_MOMENTUM, config.momentum());
        assertEquals(1000, config.snapshotEvery());
        assertEquals(0.01, config.lossSmoothing());
        assertEquals(1, config.topicPartitions());
        assertEquals(1, config.topicReplicationFactor());
        assertEquals(0, config.hashBits(), "feature hashing is off by default");
        assertTrue(config.kafka().isEmpty());
    }

    @Test
    void shouldParseValidValuesAndTrimSurroundingSpace() {
        InertiaConfig config = InertiaConfig.of(Map.of(
                "inertia.learning-rate", " 0.25 ",
                "inertia.momentum", "0",
                "inertia.loss", "logistic",
                "inertia.snapshot-every", "7",
                "inertia.loss-smoothing", "1",
                "inertia.topic.input", "in"));
        assertEquals(0.25, config.learningRate());
        assertEquals(0.0, config.momentum());
        assertEquals("logistic", config.loss().name());
        assertEquals(7, config.snapshotEvery());
        assertEquals(1.0, config.lossSmoothing());
        assertEquals("in", config.inputTopic());
        assertEquals("logistic", config.learner().loss().name());
        assertEquals(0.25, config.learner().schedule().rate(1));
        assertEquals(0.25, config.learner().schedule().rate(1000), "the default schedule is constant");
    }

    @Test
    void shouldAcceptHashBitsFromZeroToThirty() {
        assertEquals(0, InertiaConfig.of(Map.of("inertia.hash-bits", "0")).hashBits());
        assertEquals(1, InertiaConfig.of(Map.of("inertia.hash-bits", "1")).hashBits());
        assertEquals(30, InertiaConfig.of(Map.of("inertia.hash-bits", " 30 ")).hashBits());
        assertEquals("18", InertiaConfig.of(Map.of("inertia.hash-bits", "18")).asMap().get("inertia.hash-bits"));
    }

    @Test
    void shouldPassKafkaKeysThroughUnchanged() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", "broker-1:9092,broker-2:9092");
        settings.put("application.id", "my-app");
        settings.put("sasl.jaas.config", "org.example.Login required user=\"u\" pass=\"p\";");
        settings.put("my.custom.setting", "anything at all");
        settings.put("inertia.momentum", "0.5");
        InertiaConfig config = InertiaConfig.of(settings);
        Map<String, String> expected = new LinkedHashMap<>(settings);
        expected.remove("inertia.momentum");
        assertEquals(expected, config.kafka());
        assertFalse(config.kafka().containsKey("inertia.momentum"));
        assertEquals("broker-1:9092,broker-2:9092", config.asMap().get("bootstrap.servers"));
        assertEquals("0.5", config.asMap().get("inertia.momentum"));
    }

    @Test
    void shouldLetOverridesWinOverTheFileAndTheFileOverTheDefaults() throws Exception {
        Path file = dir.resolve("inertia.properties");
        Files.writeString(file, String.join("\n",
                "# settings file",
                "inertia.learning-rate=0.5",
                "inertia.momentum=0.5",
                "bootstrap.servers=from-file:9092",
                "acks=all",
                ""), StandardCharsets.UTF_8);
        Map<String, String> overrides = Map.of(
                "inertia.momentum", "0.2",
                "bootstrap.servers", "from-cli:9092");

        InertiaConfig config = InertiaConfig.load(file, overrides);

        assertEquals(0.5, config.learningRate());          // file over default 0.01
        assertEquals(0.2, config.momentum());              // override over file 0.5
        assertEquals(1000, config.snapshotEvery());        // default, set nowhere
        assertEquals("from-cli:9092", config.kafka().get("bootstrap.servers"));
        assertEquals("all", config.kafka().get("acks"));
    }

    @Test
    void shouldReportAnInvalidValueFromTheFile() throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "inertia.momentum=1.5\n", StandardCharsets.UTF_8);
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.load(file, Map.of()));
        assertEquals(List.of("inertia.momentum: must be in [0, 1), got 1.5"), e.problems());
        // ... which an override can repair.
        assertEquals(0.3, InertiaConfig.load(file, Map.of("inertia.momentum", "0.3")).momentum());
    }

    @Test
    void shouldReportAMissingFile() {
        Path missing = dir.resolve("absent.properties");
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.load(missing, Map.of()));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().startsWith("cannot read config file " + missing), e.getMessage());
    }

    @Test
    void shouldUseOnlyOverridesWithoutAFile() {
        assertEquals(0.3, InertiaConfig.load(null, Map.of("inertia.momentum", "0.3")).momentum());
    }

    @Test
    void shouldRoundTripThroughAsMapAndApplyOverridesWithWith() {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.learning-rate", "0.2", "acks", "all"));
        assertEquals(config.asMap(), InertiaConfig.of(config.asMap()).asMap());
        InertiaConfig changed = config.with(Map.of("inertia.momentum", "0.1"));
        assertEquals(0.2, changed.learningRate());
        assertEquals(0.1, changed.momentum());
        assertEquals("all", changed.kafka().get("acks"));
        assertThrows(ConfigException.class, () -> config.with(Map.of("inertia.momentum", "2")));
    }

    @Test
    void shouldRefuseAnHttpApiOnEveryInterfaceWithoutAnAddressForTheOtherInstances() {
        ConfigException e = assertThrows(ConfigException.class, () -> InertiaConfig.of(Map.of(
                "inertia.http.port", "8080", "inertia.http.host", "0.0.0.0")));
        assertEquals(List.of("inertia.http.host=0.0.0.0 binds every interface: set application.server=HOST:8080 to "
                + "the address other instances reach this one at"), e.problems());
        InertiaConfig given = InertiaConfig.of(Map.of("inertia.http.port", "8080", "inertia.http.host", "0.0.0.0",
                "application.server", "learner-1:8080"));
        assertEquals("0.0.0.0", given.httpHost());
        assertEquals(8080, given.httpPort());
        // Off by default, on the loopback address when on, no token.
        InertiaConfig defaults = InertiaConfig.defaults();
        assertEquals(0, defaults.httpPort());
        assertEquals("127.0.0.1", defaults.httpHost());
        assertEquals("", defaults.httpToken());
        assertEquals(100, defaults.metricsMaxModels());
    }
}
