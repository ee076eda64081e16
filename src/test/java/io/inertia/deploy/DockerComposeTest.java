package io.inertia.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** No Docker engine runs here, so the compose file is checked as data: services, listeners, the learner's bootstrap. */
class DockerComposeTest {

    private JsonNode services;

    @BeforeEach
    void parse() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docker-compose.yml").toFile());
        services = compose.get("services");
        assertNotNull(services, "docker-compose.yml has services");
    }

    @Test
    void shouldRunASingleNodeKraftBrokerOfTheClientVersion() {
        JsonNode kafka = services.get("kafka");
        assertEquals("apache/kafka:4.3.1", kafka.get("image").asText());
        JsonNode env = kafka.get("environment");
        assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES").asText());
        assertTrue(env.get("CLUSTER_ID").asText().length() == 22, "a fixed 22-character cluster id");
        assertEquals("1", env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asText());
        assertEquals("1", env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asText());
        assertEquals("1", env.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asText());
    }

    @Test
    void shouldAdvertiseAHostListenerAndAnInternalOne() {
        JsonNode kafka = services.get("kafka");
        String advertised = kafka.get("environment").get("KAFKA_ADVERTISED_LISTENERS").asText();
        assertTrue(advertised.contains("localhost:9092"), advertised);
        assertTrue(advertised.contains("kafka:19092"), advertised);
        String listeners = kafka.get("environment").get("KAFKA_LISTENERS").asText();
        assertTrue(listeners.contains(":9092") && listeners.contains(":19092"), listeners);
        assertTrue(texts(kafka.get("ports")).contains("9092:9092"), "host port 9092 is published");
    }

    @Test
    void shouldCreateTheTopicsWithACompactedSnapshotTopic() {
        JsonNode creator = services.get("create-topics");
        assertEquals("service_healthy", creator.get("depends_on").get("kafka").get("condition").asText());
        String script = String.join("\n", texts(creator.get("command")));
        assertTrue(script.contains("--topic labeled-events"), script);
        assertTrue(script.contains("--topic model-snapshots --config cleanup.policy=compact"), script);
        assertTrue(script.contains("--topic dead-letters"), script);
        // Every topic the learner reads or writes, under its default name.
        io.inertia.config.InertiaConfig defaults = io.inertia.config.InertiaConfig.defaults();
        for (String topic : java.util.List.of(defaults.inputTopic(), defaults.snapshotTopic(),
                defaults.deadLetterTopic(), defaults.predictionTopic(), defaults.outcomeTopic(),
                defaults.learnLogTopic())) {
            assertTrue(script.contains("--topic " + topic + " ") || script.contains("--topic " + topic + "\n"),
                    "creates " + topic + ": " + script);
        }
        assertTrue(script.contains("--bootstrap-server kafka:19092"), script);
        assertTrue(script.contains("--topic outcomes --partitions 4") && script.contains("--topic labeled-events "
                + "--partitions 4"), "outcomes with the input's partition count: " + script);
    }

    @Test
    void shouldRunTheLearnerJarAgainstTheInternalListener() {
        JsonNode learner = services.get("learner");
        assertEquals("eclipse-temurin:17-jre", learner.get("image").asText());
        List<String> command = texts(learner.get("command"));
        assertEquals("kafka:19092", command.get(command.indexOf("--bootstrap-servers") + 1));
        assertTrue(command.contains("run"), command.toString());
        assertEquals("./target/inertia.jar", learner.get("volumes").get(0).get("source").asText());
        assertEquals("service_completed_successfully",
                learner.get("depends_on").get("create-topics").get("condition").asText());
    }

    @Test
    void shouldServeTheHttpApiOnAPublishedPortOfEveryInterfaceOfTheContainer() throws Exception {
        JsonNode learner = services.get("learner");
        List<String> command = texts(learner.get("command"));
        String port = command.get(command.indexOf("--http-port") + 1);
        assertEquals("0.0.0.0", command.get(command.indexOf("--http-host") + 1));
        assertTrue(texts(learner.get("ports")).contains(port + ":" + port), "HTTP port " + port + " is published");
        // The learner accepts these options as they are: 0.0.0.0 needs an application.server, which is given.
        String server = command.get(command.indexOf("--property") + 1);
        assertEquals("application.server=learner:" + port, server);
        io.inertia.config.InertiaConfig config = io.inertia.config.InertiaConfig.of(java.util.Map.of(
                "inertia.http.port", port, "inertia.http.host", "0.0.0.0", "application.server", "learner:" + port));
        assertEquals(Integer.parseInt(port), config.httpPort());
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
