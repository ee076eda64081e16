package io.inertia.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writer schemas by id from a Confluent-compatible schema registry: {@code GET {url}/schemas/ids/{id}}, each id asked
 * once and its answer kept for the life of the client (a registry never changes the schema of an id), shared by every
 * task of a process. Thread-safe.
 *
 * <p>Three outcomes for an id not yet known: the schema; {@link UnknownSchemaException} when the registry answers 404
 * with Confluent's error code 40403 (the record names a schema that does not exist: bad input); or, when the registry
 * does not answer usefully (no connection, a timeout, 5xx, 401/403, a 404 that is not the registry's "schema not
 * found" or a 200 that holds no schema, as a wrong base URL gives), retries with backoff (100 ms doubling to 1 s) for at most
 * {@link RegistrySettings#maxBlockMs()}, then {@link RegistryUnavailableException}. The wait uses the monotonic clock
 * and never reaches a model.
 */
public final class SchemaRegistryClient implements SchemaSource {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1000;

    private final RegistrySettings settings;
    private final String base;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final String authorization;
    private final ConcurrentMap<Integer, RegisteredSchema> schemas = new ConcurrentHashMap<>();

    /**
     * A schema of the registry, as it answered for its id.
     *
     * @param id the id
     * @param type {@code AVRO}, {@code PROTOBUF} or {@code JSON} (the registry's {@code schemaType}, AVRO when absent)
     * @param avro the parsed Avro schema, or null when the schema is of another type or cannot be used
     * @param problem why the schema cannot be used to read records, or null
     */
    public record RegisteredSchema(int id, String type, Schema avro, String problem) {
    }

    /**
     * A client for {@code settings}.
     *
     * @throws IllegalArgumentException when the URL or a TLS store cannot be used, saying why
     */
    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        String url = settings.url();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        URI.create(base + "/schemas/ids/1");
        long timeout = Math.max(200, Math.min(2000, settings.maxBlockMs()));
        this.requestTimeout = Duration.ofMillis(timeout);
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout);
        if (settings.trustStore() != null || settings.keyStore() != null) {
            builder.sslContext(sslContext(settings));
        }
        this.http = builder.build();
        this.authorization = settings.userInfo() == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString(settings.userInfo().getBytes(StandardCharsets.UTF_8));
    }

    /** The base URL asked. */
    public String url() {
        return base;
    }

    /**
     * The schema of {@code id}, from memory when asked before.
     *
     * @throws UnknownSchemaException when the registry has no such schema
     * @throws RegistryUnavailableException when the registry did not answer usefully within the wait bound
     */
    @Override
    public RegisteredSchema schema(int id) {
        RegisteredSchema known = schemas.get(id);
        if (known != null) {
            return known;
        }
        RegisteredSchema fetched = fetch(id);
        RegisteredSchema raced = schemas.putIfAbsent(id, fetched);
        return raced == null ? fetched : raced;
    }

    private RegisteredSchema fetch(int id) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/schemas/ids/" + id))
                .timeout(requestTimeout)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        long start = System.nanoTime();
        long deadline = start + settings.maxBlockMs() * 1_000_000L;
        long backoff = FIRST_BACKOFF_MS;
        String last;
        int attempts = 0;
        while (true) {
            attempts++;
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                RegisteredSchema schema = status == 200 ? parse(id, response.body()) : null;
                if (schema != null) {
                    if (attempts > 1) {
                        LOG.info("Schema registry at {} answered again after {} ms", base,
                                (System.nanoTime() - start) / 1_000_000);
                    }
                    return schema;
                }
                if (status == 404 && errorCode(response.body()) == 40403) {
                    throw new UnknownSchemaException(id, base);
                }
                last = "answered " + status + (status == 404 || status == 200 ? (status == 200
                        ? " with something that is not a registry's schema" : " without the registry's error code "
                        + "40403") + " (is the URL the registry's API, e.g. …/apis/ccompat/v7 for Apicurio?)" : "")
                        + excerpt(response.body());
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted while asking the schema registry at " + base
                        + " for schema id " + id);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new RegistryUnavailableException("schema registry at " + base + " did not answer for schema id "
                        + id + " within " + settings.maxBlockMs() + " ms (" + attempts + " attempts; last: "
                        + last.lines().findFirst().orElse("") + ")");
            }
            if (attempts == 1) {
                LOG.warn("Schema registry at {} did not answer for schema id {} ({}); retrying for up to {} ms",
                        base, id, last, settings.maxBlockMs());
            }
            try {
                Thread.sleep(Math.min(backoff, Math.max(1, remaining / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted while waiting for the schema registry at "
                        + base);
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
    }

    /** The schema in a registry's answer, or null when the answer is not a registry's (a wrong URL). */
    private static RegisteredSchema parse(int id, String body) {
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
        if (answer == null || !answer.path("schema").isTextual()) {
            return null;
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (type.isEmpty()) {
            type = "AVRO";
        }
        if (!type.equals("AVRO")) {
            return new RegisteredSchema(id, type, null, "schema id " + id + " is a " + type + " schema: "
                    + (type.equals("PROTOBUF") ? "Protobuf" : type.equals("JSON") ? "JSON Schema" : type)
                    + " records in the Confluent wire format are not read yet (inertia.input.format=confluent-avro "
                    + "reads Avro)");
        }
        if (answer.path("references").size() > 0) {
            return new RegisteredSchema(id, type, null, "schema id " + id + " references other schemas, which "
                    + "are not resolved yet");
        }
        try {
            return new RegisteredSchema(id, type, new Schema.Parser().parse(answer.path("schema").asText()), null);
        } catch (RuntimeException e) {
            // Avro 1.12 reports some invalid schemas (an unknown type name) with a NullPointerException.
            return new RegisteredSchema(id, type, null, "schema id " + id + " is not a valid Avro schema: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    private static int errorCode(String body) {
        try {
            return JSON.readTree(body).path("error_code").asInt(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().lines().findFirst().orElse("");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    private static SSLContext sslContext(RegistrySettings settings) {
        try {
            TrustManagerFactory trust = null;
            if (settings.trustStore() != null) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(settings.trustStore(), settings.trustStoreType(), settings.trustStorePassword()));
            }
            KeyManagerFactory keys = null;
            if (settings.keyStore() != null) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                char[] password = settings.keyStorePassword() == null ? null
                        : settings.keyStorePassword().toCharArray();
                keys.init(load(settings.keyStore(), settings.keyStoreType(), settings.keyStorePassword()), password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String file, String type, String password) throws GeneralSecurityException,
            IOException {
        KeyStore store = KeyStore.getInstance(type == null || type.isEmpty() ? KeyStore.getDefaultType() : type);
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            store.load(in, password == null ? null : password.toCharArray());
        }
        return store;
    }
}
