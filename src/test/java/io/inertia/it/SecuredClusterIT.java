package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inertia on a cluster whose client listener accepts only SASL/PLAIN over TLS (SASL_SSL), configured by nothing but
 * standard Kafka client properties in a {@code --config} file: {@code produce} → {@code run} → {@code snapshots} learn
 * as on an open cluster; a wrong password, an unreadable truststore, an untrusted broker certificate or a missing
 * permission stops each command at once with one line saying so; and no password ever reaches the output, even with
 * Kafka's configuration dumps logged.
 *
 * <p>The commands run as child processes of the packaged jar, so that their whole output can be searched. The
 * keystore and truststore are made here, with the JDK's keytool.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SecuredClusterIT {

    private static final Path PROJECT = Path.of(System.getProperty("inertia.projectDir", ".")).toAbsolutePath();
    private static final Path JAR = PROJECT.resolve("target/inertia.jar");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final long STARTUP_TIMEOUT_MS = 10_000;
    /** Time a child JVM may need to start and stop on a busy 2-core machine, on top of the startup timeout. */
    private static final Duration JVM_ALLOWANCE = Duration.ofSeconds(20);
    /** With Kafka's clients at INFO, every client prints its whole configuration when it is created. */
    private static final Map<String, String> KAFKA_INFO = Map.of("INERTIA_KAFKA_LOG_LEVEL", "INFO");
    /**
     * What Kafka's clients themselves log about a refused connection at Inertia's default levels (NetworkClient's
     * ERROR, AdminMetadataManager's WARN and the exception it carries): allowed next to the command's one line.
     */
    private static final Pattern KAFKA_LOG_LINE = Pattern.compile(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (ERROR|WARN) .*|org\\.apache\\.kafka\\.common\\.errors\\.\\w+Exception: .*");
    /** At most this many such lines: a client that retried would log one per attempt. */
    private static final int MAX_KAFKA_LOG_LINES = 3;

    private static final ListenerName CLIENT_LISTENER = new ListenerName("EXTERNAL");
    private static final ListenerName CONTROLLER_LISTENER = new ListenerName("CONTROLLER");
    private static final String BROKER_USER = "broker";
    private static final String CLIENT_USER = "inertia";
    /** Authenticates, but holds no permission at all. */
    private static final String OUTSIDER_USER = "outsider";

    // Random, so that finding one in an output can only mean that it leaked.
    private static final String BROKER_PASSWORD = secret("broker");
    private static final String CLIENT_PASSWORD = secret("client");
    private static final String OUTSIDER_PASSWORD = secret("outsider");
    private static final String WRONG_PASSWORD = secret("wrong");
    private static final String KEYSTORE_PASSWORD = secret("keystore");
    private static final String TRUSTSTORE_PASSWORD = secret("truststore");
    private static final List<String> SECRETS = List.of(BROKER_PASSWORD, CLIENT_PASSWORD, OUTSIDER_PASSWORD,
            WRONG_PASSWORD, KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD);

    @TempDir
    static Path work;

    private static KafkaClusterTestKit cluster;
    private static Path truststore;

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void startSecuredCluster() throws Exception {
        Path keystore = work.resolve("broker.p12");
        truststore = work.resolve("truststore.p12");
        Path certificate = work.resolve("broker.pem");
        // A self-signed certificate for the name and address that clients connect to, so that hostname verification
        // (ssl.endpoint.identification.algorithm=https, the default) stays on.
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", KEYSTORE_PASSWORD, "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", TRUSTSTORE_PASSWORD);

        // Server side, the user_NAME entries are the accepted credentials; username and password are the ones the
        // broker itself logs in with (to its controller, and on the inter-broker listener for transaction markers).
        String serverJaas = PlainLoginModule.class.getName() + " required"
                + " username=\"" + BROKER_USER + "\" password=\"" + BROKER_PASSWORD + "\""
                + " user_" + BROKER_USER + "=\"" + BROKER_PASSWORD + "\""
                + " user_" + CLIENT_USER + "=\"" + CLIENT_PASSWORD + "\""
                + " user_" + OUTSIDER_USER + "=\"" + OUTSIDER_PASSWORD + "\";";
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBrokerListenerName(CLIENT_LISTENER)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .build())
                // The 4.3.1 test kit builds only PLAINTEXT and SASL_PLAINTEXT listeners, but its protocol map is a
                // default that a config property replaces: the broker listener (also the inter-broker one) becomes
                // SASL_SSL, and the KRaft controller listener SASL_PLAINTEXT.
                .setConfigProp("listener.security.protocol.map", CLIENT_LISTENER.value() + ":SASL_SSL,"
                        + CONTROLLER_LISTENER.value() + ":SASL_PLAINTEXT")
                .setConfigProp("sasl.enabled.mechanisms", "PLAIN")
                .setConfigProp("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .setConfigProp("sasl.mechanism.controller.protocol", "PLAIN")
                .setConfigProp(saslJaasKey(CLIENT_LISTENER), serverJaas)
                .setConfigProp(saslJaasKey(CONTROLLER_LISTENER), serverJaas)
                .setConfigProp("ssl.keystore.type", "PKCS12")
                .setConfigProp("ssl.keystore.location", keystore.toString())
                .setConfigProp("ssl.keystore.password", KEYSTORE_PASSWORD)
                .setConfigProp("ssl.key.password", KEYSTORE_PASSWORD)
                .setConfigProp("ssl.truststore.type", "PKCS12")
                .setConfigProp("ssl.truststore.location", truststore.toString())
                .setConfigProp("ssl.truststore.password", TRUSTSTORE_PASSWORD)
                // Permissions are checked: the broker and Inertia's user may do everything, the outsider nothing.
                .setConfigProp("authorizer.class.name", StandardAuthorizer.class.getName())
                .setConfigProp("super.users", "User:" + BROKER_USER + ";User:" + CLIENT_USER)
                .setConfigProp("allow.everyone.if.no.acl.found", "false")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process process : started) {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void shouldLearnOverSaslSslConfiguredOnlyByClientProperties() throws Exception {
        Path config = clientConfig("client.properties", CLIENT_USER, CLIENT_PASSWORD, true);
        // examples/linear.csv: y = 3·x1 − 2·x2 + 0.5 + N(0, 0.1²); its first 1000 rows are enough to learn it.
        Path input = work.resolve("linear-head.csv");
        Files.write(input, Files.readAllLines(PROJECT.resolve("examples/linear.csv")).subList(0, 1001));
        StringBuilder everything = new StringBuilder();

        Result produce = inertia(KAFKA_INFO, "produce", "--config", config.toString(), "--input", input.toString(),
                "--label", "y", "--model-key", "linear");
        everything.append(produce.output());
        assertEquals(0, produce.code(), produce.output());
        assertTrue(produce.stdout().contains("sent 1000 events"), produce.output());

        Path runOut = work.resolve("run.out");
        Path runErr = work.resolve("run.err");
        Process run = background(KAFKA_INFO, runOut, runErr, "run", "--config", config.toString(),
                "--application-id", "secured-it", "--state-dir", work.resolve("state").toString(),
                "--property", "inertia.progress-interval-ms=1000");

        JsonNode latest = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (latest == null || latest.get("version").asLong() < 1000) {
            assertTrue(System.nanoTime() < deadline, "no snapshot at version 1000 in time; last: " + latest);
            assertTrue(run.isAlive(), "inertia run exited early: " + read(runErr));
            Result snapshots = inertia(KAFKA_INFO, "snapshots", "--config", config.toString(),
                    "--model-key", "linear");
            everything.append(snapshots.output());
            assertEquals(0, snapshots.code(), snapshots.output());
            String line = snapshots.stdout().strip();
            latest = line.isEmpty() ? null : new ObjectMapper().readTree(line);
        }
        assertEquals(3.0, latest.get("weights").get("x1").asDouble(), 0.05);
        assertEquals(-2.0, latest.get("weights").get("x2").asDouble(), 0.05);
        assertEquals(0.5, latest.get("bias").asDouble(), 0.05);

        run.destroy(); // SIGTERM
        assertTrue(run.waitFor(90, TimeUnit.SECONDS), "inertia run did not stop on SIGTERM");
        assertEquals(0, run.exitValue(), "inertia run exits 0 after SIGTERM: " + read(runErr));
        assertTrue(read(runErr).contains("learned 1000 events"), "progress line: " + read(runErr));
        everything.append(read(runOut)).append(read(runErr));

        // The search for passwords means something only if the clients did print their configuration.
        assertTrue(read(runErr).contains("sasl.jaas.config = [hidden]"), "Kafka's configuration dump: "
                + read(runErr));
        assertTrue(read(runErr).contains("ssl.truststore.password = [hidden]"), "Kafka's configuration dump: "
                + read(runErr));
        assertNoSecret(everything.toString());
    }

    @Test
    void shouldStopEveryCommandAtOnceWithOneLineWhenThePasswordIsWrong() throws Exception {
        Path config = clientConfig("wrong-password.properties", CLIENT_USER, WRONG_PASSWORD, true);
        String expected = "authentication to Kafka at " + cluster.bootstrapServers()
                + " failed: Authentication failed: Invalid username or password";
        for (List<String> command : everyCommand(config)) {
            String name = command.get(0);
            Result quiet = inertia(Map.of(), withStartupTimeout(command));
            assertFailsWithOneLine(quiet, name, expected);
            assertNoSecret(quiet.output());

            // Again with Kafka's clients at INFO: the same failure, and no password in the configuration dump.
            Result verbose = inertia(KAFKA_INFO, withStartupTimeout(command));
            assertEquals(1, verbose.code(), verbose.output());
            assertTrue(verbose.stderr().contains("inertia " + name + ": " + expected), verbose.output());
            assertTrue(verbose.stderr().contains("sasl.jaas.config = [hidden]"), verbose.output());
            assertNoSecret(verbose.output());
        }
    }

    @Test
    void shouldStopEveryCommandAtOnceWithOneLineWhenTheTruststoreCannotBeOpened() throws Exception {
        Path config = clientConfig("wrong-truststore-password.properties", CLIENT_USER, CLIENT_PASSWORD, true);
        Files.writeString(config, Files.readString(config).replace(TRUSTSTORE_PASSWORD, WRONG_PASSWORD));
        for (List<String> command : everyCommand(config)) {
            Result result = inertia(Map.of(), withStartupTimeout(command));
            assertFailsWithOneLine(result, command.get(0), "TLS setup for Kafka at " + cluster.bootstrapServers()
                    + " failed: Failed to load SSL keystore " + truststore + " of type PKCS12: keystore password was"
                    + " incorrect");
            assertNoSecret(result.output());
        }
    }

    @Test
    void shouldStopWithOneLineWhenTheBrokerCertificateIsNotTrusted() throws Exception {
        // The right password, but no truststore: the JVM's default CAs do not know the self-signed broker certificate.
        Path config = clientConfig("untrusted.properties", CLIENT_USER, CLIENT_PASSWORD, false);
        Result snapshots = inertia(Map.of(), withStartupTimeout(List.of("snapshots", "--config", config.toString())));
        assertFailsWithOneLine(snapshots, "snapshots", "authentication to Kafka at " + cluster.bootstrapServers()
                + " failed: SSL handshake failed: PKIX path building failed");
        assertNoSecret(snapshots.output());
    }

    @Test
    void shouldStopEveryCommandAtOnceWithOneLineWhenTheUserHasNoPermission() throws Exception {
        Path config = clientConfig("outsider.properties", OUTSIDER_USER, OUTSIDER_PASSWORD, true);
        for (List<String> command : everyCommand(config)) {
            Result result = inertia(Map.of(), withStartupTimeout(command));
            assertFailsWithOneLine(result, command.get(0), "not authorized by Kafka at " + cluster.bootstrapServers()
                    + (command.get(0).equals("snapshots") ? ": Not authorized to access topics: [model-snapshots]"
                            : " to create topic '"));
            assertNoSecret(result.output());
        }
    }

    /** {@code produce}, {@code snapshots} and {@code run} on the cluster that {@code config} describes. */
    private static List<List<String>> everyCommand(Path config) {
        return List.of(
                List.of("produce", "--config", config.toString(), "--input", "examples/linear.csv", "--label", "y"),
                List.of("snapshots", "--config", config.toString()),
                List.of("run", "--config", config.toString(), "--state-dir", work.resolve("refused").toString()));
    }

    /**
     * Exit 1, sooner than the startup timeout would allow, with one line of the command's own that starts with
     * {@code expected}; beside it at most a few lines in which Kafka's clients log the same refusal.
     */
    private static void assertFailsWithOneLine(Result result, String command, String expected) {
        assertEquals(1, result.code(), result.output());
        List<String> lines = result.stderr().lines().filter(line -> !line.isBlank()).toList();
        List<String> own = lines.stream().filter(line -> line.startsWith("inertia ")).toList();
        List<String> kafka = lines.stream().filter(line -> !line.startsWith("inertia ")).toList();
        assertEquals(1, own.size(), "one line from the command: " + result.output());
        assertTrue(own.get(0).startsWith("inertia " + command + ": " + expected), result.output());
        assertTrue(kafka.size() <= MAX_KAFKA_LOG_LINES, "only Kafka's own report of the refusal: " + result.output());
        assertTrue(kafka.stream().allMatch(line -> KAFKA_LOG_LINE.matcher(line).matches()),
                "nothing but Kafka's log lines beside the command's: " + result.output());
        assertTrue(result.elapsed().compareTo(Duration.ofMillis(STARTUP_TIMEOUT_MS).plus(JVM_ALLOWANCE)) < 0,
                "took " + result.elapsed().toMillis() + " ms: " + result.output());
    }

    private static void assertNoSecret(String output) {
        for (String secret : SECRETS) {
            assertFalse(output.contains(secret), "a password appears in the output:\n" + output);
        }
    }

    private static String[] withStartupTimeout(List<String> command) {
        return Stream.concat(command.stream(), Stream.of("--property",
                "inertia.startup-timeout-ms=" + STARTUP_TIMEOUT_MS)).toArray(String[]::new);
    }

    /** A client configuration file: bootstrap servers and security, standard Kafka client properties only. */
    private static Path clientConfig(String name, String user, String password, boolean trustBroker)
            throws IOException {
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", cluster.bootstrapServers());
        properties.setProperty("security.protocol", "SASL_SSL");
        properties.setProperty("sasl.mechanism", "PLAIN");
        properties.setProperty("sasl.jaas.config", PlainLoginModule.class.getName() + " required username=\"" + user
                + "\" password=\"" + password + "\";");
        if (trustBroker) {
            properties.setProperty("ssl.truststore.type", "PKCS12");
            properties.setProperty("ssl.truststore.location", truststore.toString());
            properties.setProperty("ssl.truststore.password", TRUSTSTORE_PASSWORD);
        }
        Path file = work.resolve(name);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, null);
        }
        return file;
    }

    /** The broker setting for the JAAS login of SASL/PLAIN on {@code listener}. */
    private static String saslJaasKey(ListenerName listener) {
        return "listener.name." + listener.value().toLowerCase(Locale.ROOT) + ".plain.sasl.jaas.config";
    }

    private static String secret(String what) {
        return what + "-" + UUID.randomUUID();
    }

    private record Result(int code, String stdout, String stderr, Duration elapsed) {
        String output() {
            return "exit " + code + " after " + elapsed.toMillis() + " ms\nstdout:\n" + stdout + "\nstderr:\n"
                    + stderr + "\n";
        }
    }

    /** Runs {@code inertia ARGS} from the packaged jar in the project directory and waits for it. */
    private static Result inertia(Map<String, String> env, String... args) throws IOException, InterruptedException {
        String name = "cmd-" + System.nanoTime();
        Path out = work.resolve(name + ".out");
        Path err = work.resolve(name + ".err");
        long start = System.nanoTime();
        Process process = start(env, out, err, args);
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("inertia " + String.join(" ", args) + " did not finish in " + COMMAND_TIMEOUT
                    + "; stderr:\n" + read(err));
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new Result(process.exitValue(), read(out), read(err), elapsed);
    }

    private Process background(Map<String, String> env, Path out, Path err, String... args) throws IOException {
        Process process = start(env, out, err, args);
        started.add(process);
        return process;
    }

    // The jar rather than scripts/inertia: the launcher would rebuild (mvn clean) when a source is newer than the jar,
    // which must not happen under a running build; failsafe runs after package, so the jar is current.
    private static Process start(Map<String, String> env, Path out, Path err, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(jdkTool("java"), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(jdkTool("keytool")));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, process.exitValue(), "keytool " + args[0] + ": " + output);
    }

    private static String jdkTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
