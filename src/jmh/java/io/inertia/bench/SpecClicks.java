package io.inertia.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The seeded click records of the feature-spec cases of {@link EndToEndBenchmark}: a user's own nested Avro records in
 * the Confluent Schema Registry wire format (the byte 0, the schema id in 4 bytes, the Avro body), read by
 * {@code inertia run} through {@link #SPEC} (or {@link #REKEYED_SPEC}): 3 numeric features standardized, 4 categorical,
 * 1 cross, hashed. The schema is registered with a real registry (its Confluent-compatible API) for its id.
 *
 * <p>Each click's label is drawn from a logistic model of the country, the price and the age, so the models learn;
 * every record is a pure function of the seed and its position.
 */
final class SpecClicks {

    static final String SCHEMA = """
            {"type": "record", "name": "Click", "namespace": "bench", "fields": [
              {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                {"name": "id", "type": "string"}, {"name": "country", "type": "string"},
                {"name": "device", "type": "string"}, {"name": "age", "type": "double"}]}},
              {"name": "ad", "type": {"type": "record", "name": "Ad", "fields": [
                {"name": "id", "type": "string"}, {"name": "campaign", "type": "string"},
                {"name": "price", "type": "double"}]}},
              {"name": "session", "type": {"type": "record", "name": "Session", "fields": [
                {"name": "seconds", "type": "double"}]}},
              {"name": "clicked", "type": "boolean"}]}""";

    /** The spec with the record key (the campaign) as model key. */
    static final String SPEC = """
            label: clicked
            numeric:
              - {field: ad.price, transform: standardize}
              - {field: user.age, transform: standardize}
              - {field: session.seconds, transform: standardize}
            categorical: [user.country, user.device, ad.id, ad.campaign]
            crosses: [[user.country, ad.id]]
            """;

    /** The same spec, the model key taken from the field {@code ad.campaign}: the learner re-keys the records. */
    static final String REKEYED_SPEC = "model-key: {field: ad.campaign}\n" + SPEC;

    private static final String[] COUNTRIES = {"DE", "FR", "IT", "ES", "NL", "PL", "US", "BR", "JP", "IN"};
    private static final String[] DEVICES = {"ios", "android", "desktop"};
    private static final int ADS = 1_000;
    private static final int USERS = 100_000;

    private final Schema schema = new Schema.Parser().parse(SCHEMA);
    private final Schema userSchema = schema.getField("user").schema();
    private final Schema adSchema = schema.getField("ad").schema();
    private final Schema sessionSchema = schema.getField("session").schema();
    private final GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    private final SplittableRandom random;
    private final int campaigns;
    private final int schemaId;
    private BinaryEncoder encoder;
    private long next;

    /** Clicks of {@code campaigns} campaigns, framed with the registry's {@code schemaId}, seeded by case. */
    SpecClicks(EndToEndCase c, int schemaId) {
        this.random = new SplittableRandom(20_260_101L + c.number());
        this.campaigns = c.models();
        this.schemaId = schemaId;
    }

    /** One click: its record key (the campaign, or the user when {@code keyedByUser}) and its framed value. */
    record Click(String key, byte[] value) {
    }

    Click next(boolean keyedByUser) {
        long i = next++;
        String campaign = "c" + (i % campaigns);
        String user = "u" + random.nextInt(USERS);
        int countryIndex = random.nextInt(COUNTRIES.length);
        double price = Math.exp(random.nextGaussian() * 0.5);
        double age = 18 + random.nextInt(60);
        double z = -1 + 0.3 * (countryIndex % 3) - 0.5 * (price - 1) + 0.01 * (age - 40);
        GenericRecord userRecord = new GenericData.Record(userSchema);
        userRecord.put("id", user);
        userRecord.put("country", COUNTRIES[countryIndex]);
        userRecord.put("device", DEVICES[random.nextInt(DEVICES.length)]);
        userRecord.put("age", age);
        GenericRecord ad = new GenericData.Record(adSchema);
        ad.put("id", "a" + random.nextInt(ADS));
        ad.put("campaign", campaign);
        ad.put("price", price);
        GenericRecord session = new GenericData.Record(sessionSchema);
        session.put("seconds", random.nextDouble() * 600);
        GenericRecord click = new GenericData.Record(schema);
        click.put("user", userRecord);
        click.put("ad", ad);
        click.put("session", session);
        click.put("clicked", random.nextDouble() < 1 / (1 + Math.exp(-z)));
        bytes.reset();
        bytes.write(0);
        bytes.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
        try {
            writer.write(click, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Click(keyedByUser ? user : campaign, bytes.toByteArray());
    }

    /**
     * Registers the click schema under {@code subject} with the registry at {@code url} (Confluent's
     * {@code POST /subjects/{subject}/versions}) and returns its id.
     */
    static int register(String url, String subject) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("schema", new Schema.Parser().parse(SCHEMA).toString());
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(url.replaceAll("/+$", "") + "/subjects/" + subject + "/versions"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body), StandardCharsets.UTF_8))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new BenchmarkFailure("the registry at " + url + " refused the click schema: HTTP "
                        + response.statusCode() + " " + response.body());
            }
            return json.readTree(response.body()).get("id").asInt();
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot register the click schema with " + url + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted");
        }
    }
}
