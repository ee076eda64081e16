package io.inertia.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.inertia.registry.SchemaRegistryClient.RegisteredSchema;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client against a real HTTP server on loopback that answers as a registry does (or as a wrong URL, an
 * overloaded registry, a TLS endpoint does): what it asks, what it keeps, and which answers are bad input and which
 * an outage. The real Apicurio Registry is in {@code SchemaRegistryIT}.
 */
class SchemaRegistryClientTest {

    private static final String CLICK = "{\"type\": \"record\", \"name\": \"Click\", \"fields\": "
            + "[{\"name\": \"clicked\", \"type\": \"boolean\"}]}";

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** A registry answering each request with {@code answer}: the status and the body for the request's path. */
    private String serve(HttpServer http, Function<String, Answer> answer) {
        server = http;
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " accept="
                    + exchange.getRequestHeaders().getFirst("Accept") + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            respond(exchange, answer.apply(exchange.getRequestURI().getPath()));
        });
        server.start();
        return (http instanceof HttpsServer ? "https" : "http") + "://localhost:" + server.getAddress().getPort()
                + "/apis/ccompat/v7";
    }

    private record Answer(int status, String body) {
    }

    private static void respond(HttpExchange exchange, Answer answer) throws IOException {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(answer.status(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static String schemaAnswer(String schema) {
        return "{\"schema\": " + quote(schema) + "}";
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static HttpServer http() throws IOException {
        return HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    }

    @Test
    void shouldAskOnceForEachIdWithBasicAuthAndKeepTheAnswer() throws Exception {
        String url = serve(http(), path -> path.endsWith("/schemas/ids/7") ? new Answer(200, schemaAnswer(CLICK))
                : new Answer(404, "{\"error_code\": 40403, \"message\": \"Schema not found\"}"));
        SchemaRegistryClient client = new SchemaRegistryClient(new RegistrySettings(url + "/", "me:s3cret", null,
                null, null, null, null, null, 1000));
        RegisteredSchema schema = client.schema(7);
        assertEquals("Click", schema.avro().getName());
        assertEquals("AVRO", schema.type());
        assertNull(schema.problem());
        client.schema(7);
        // Basic auth is base64("me:s3cret") = bWU6czNjcmV0.
        assertEquals(List.of("GET /apis/ccompat/v7/schemas/ids/7 accept=application/vnd.schemaregistry.v1+json, "
                + "application/json auth=Basic bWU6czNjcmV0"), requests, "asked once, kept after");
        UnknownSchemaException unknown = assertThrows(UnknownSchemaException.class, () -> client.schema(8));
        assertEquals("schema id 8 is unknown to the schema registry at " + url + " (404)", unknown.getMessage());
        assertThrows(UnknownSchemaException.class, () -> client.schema(8));
        assertEquals(3, requests.size(), "an unknown id is asked again: it may be registered later");
    }

    @Test
    void shouldSayWhichSchemasItCannotReadRecordsWith() throws Exception {
        String url = serve(http(), path -> switch (path.substring(path.lastIndexOf('/') + 1)) {
            case "1" -> new Answer(200, "{\"schema\": \"syntax = \\\"proto3\\\";\", \"schemaType\": \"PROTOBUF\"}");
            case "2" -> new Answer(200, "{\"schema\": \"{}\", \"schemaType\": \"JSON\"}");
            case "3" -> new Answer(200, "{\"schema\": " + quote(CLICK) + ", \"references\": [{\"name\": \"x\"}]}");
            default -> new Answer(200, "{\"schema\": \"{\\\"type\\\": \\\"nothing\\\"}\"}");
        });
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(url, 1000));
        assertEquals("schema id 1 is a PROTOBUF schema: Protobuf records in the Confluent wire format are not read "
                + "yet (inertia.input.format=confluent-avro reads Avro)", client.schema(1).problem());
        assertEquals("schema id 2 is a JSON schema: JSON Schema records in the Confluent wire format are not read "
                + "yet (inertia.input.format=confluent-avro reads Avro)", client.schema(2).problem());
        assertEquals("schema id 3 references other schemas, which are not resolved yet", client.schema(3).problem());
        assertTrue(client.schema(4).problem().startsWith("schema id 4 is not a valid Avro schema: "),
                client.schema(4).problem());
    }

    @Test
    void shouldWaitOutAnOverloadedRegistryAndTakeItsAnswer() throws Exception {
        int[] calls = {0};
        String url = serve(http(), path -> ++calls[0] <= 2 ? new Answer(503, "busy")
                : new Answer(200, schemaAnswer(CLICK)));
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(url, 4000));
        assertEquals("Click", client.schema(1).avro().getName());
        assertEquals(3, requests.size(), "two 503s, then the schema");
    }

    @Test
    void shouldReportAnOutageNotBadInputWhenTheAnswerIsNotARegistrys() throws Exception {
        String url = serve(http(), path -> path.contains("/wrong/") ? new Answer(404, "<html>Not Found</html>")
                : new Answer(200, "<html>a web page</html>"));
        String wrong = url.replace("/apis/ccompat/v7", "/wrong");
        RegistryUnavailableException notFound = assertThrows(RegistryUnavailableException.class,
                () -> new SchemaRegistryClient(RegistrySettings.of(wrong, 300)).schema(1));
        assertTrue(notFound.getMessage().startsWith("schema registry at " + wrong + " did not answer for schema id 1 "
                + "within 300 ms ("), notFound.getMessage());
        assertTrue(notFound.getMessage().contains("answered 404 without the registry's error code 40403 (is the URL "
                + "the registry's API, e.g. …/apis/ccompat/v7 for Apicurio?): <html>Not Found</html>"),
                notFound.getMessage());
        RegistryUnavailableException page = assertThrows(RegistryUnavailableException.class,
                () -> new SchemaRegistryClient(RegistrySettings.of(url, 300)).schema(1));
        assertTrue(page.getMessage().contains("answered 200 with something that is not a registry's schema"),
                page.getMessage());
    }

    @Test
    void shouldReportAnOutageWhenNothingAnswers() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                () -> new SchemaRegistryClient(RegistrySettings.of("http://127.0.0.1:" + port, 1000)).schema(5));
        assertTrue(e.getMessage().startsWith("schema registry at http://127.0.0.1:" + port + " did not answer for "
                + "schema id 5 within 1000 ms ("), e.getMessage());
        // Refused, or on a busy machine not even refused in time: either way no connection.
        assertTrue(e.getMessage().contains("ConnectException") || e.getMessage().contains("ConnectTimeoutException"),
                e.getMessage());
    }

    @Test
    void shouldTrustTheRegistrysCertificateThroughItsTrustStoreOnly() throws Exception {
        // A self-signed certificate for localhost, made by the JDK's keytool, served by the JDK's HTTPS server.
        Path keyStore = dir.resolve("registry.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
                new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(factory.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        String url = serve(https, path -> new Answer(200, schemaAnswer(CLICK)));

        RegistryUnavailableException untrusted = assertThrows(RegistryUnavailableException.class,
                () -> new SchemaRegistryClient(RegistrySettings.of(url, 3000)).schema(1));
        assertTrue(untrusted.getMessage().contains("SSLHandshakeException"), untrusted.getMessage());
        SchemaRegistryClient trusting = new SchemaRegistryClient(new RegistrySettings(url, null, keyStore.toString(),
                "changeit", "PKCS12", null, null, null, 3000));
        assertEquals("Click", trusting.schema(1).avro().getName());
    }
}
