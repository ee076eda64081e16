package io.inertia.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;

/**
 * A real Apicurio Registry for integration tests, started and stopped by {@code scripts/registry-local.sh} as a user
 * starts it, on a free port; schemas registered through its Confluent-compatible API as a producer's serializer
 * registers them.
 */
final class LocalRegistry implements AutoCloseable {

    private static final Path PROJECT = Path.of(System.getProperty("inertia.projectDir", ".")).toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final Path log;
    private final int port;
    private boolean running;

    private LocalRegistry(Map<String, String> env, Path log, int port) {
        this.env = env;
        this.log = log;
        this.port = port;
    }

    /** The result of a script command. */
    record Result(int code, String output) {
    }

    /**
     * Starts a registry on a free port; its unpacked copy is kept in {@code target/registry-it} between runs.
     *
     * @return the registry, or null when the script says no suitable Java (or no download) is available, with
     *     {@code why} set to its one line
     */
    static LocalRegistry start(Path work, StringBuilder why) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> env = Map.of("REGISTRY_PORT", Integer.toString(port),
                "REGISTRY_DATA_DIR", PROJECT.resolve("target/registry-it").toString(),
                "REGISTRY_START_TIMEOUT", "180");
        LocalRegistry registry = new LocalRegistry(env, work.resolve("registry-script.log"), port);
        Result start = registry.script("start");
        if (start.code() != 0) {
            if (start.output().contains("needs Java") || start.output().contains("no java found")
                    || start.output().contains("could not fetch") || start.output().contains("mvn not found")) {
                why.append(start.output().strip().lines().reduce((a, b) -> b).orElse(""));
                return null;
            }
            throw new AssertionError("registry-local.sh start failed: " + start.output());
        }
        registry.running = true;
        return registry;
    }

    /** The registry's port on the loopback address. */
    int port() {
        return port;
    }

    /** The URL of its Confluent-compatible API at {@code port}: the registry's own, or a relay's in front of it. */
    static String url(int port) {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    /** Stops the registry (its schemas are gone: in-memory storage). */
    void stop() throws Exception {
        Result stop = script("stop");
        if (stop.code() != 0) {
            throw new AssertionError("registry-local.sh stop failed: " + stop.output());
        }
        running = false;
    }

    /** Registers {@code schema} under {@code subject} and returns the id the registry gives it. */
    int register(String subject, Schema schema) throws Exception {
        String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url(port) + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("registering " + subject + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body()).get("id").asInt();
    }

    Result script(String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("scripts/registry-local.sh", command).directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        long before = Files.exists(log) ? Files.size(log) : 0;
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("registry-local.sh " + command + " did not finish");
        }
        byte[] all = Files.readAllBytes(log);
        return new Result(process.exitValue(), new String(all, (int) before, (int) (all.length - before),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        if (running) {
            stop();
        }
    }
}
