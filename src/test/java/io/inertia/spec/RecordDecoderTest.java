package io.inertia.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.inertia.registry.RegistryUnavailableException;
import io.inertia.registry.SchemaRegistryClient.RegisteredSchema;
import io.inertia.registry.SchemaSource;
import io.inertia.registry.UnknownSchemaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Click", "namespace": "shop", "fields": [
              {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                {"name": "id", "type": "string"}, {"name": "country", "type": "string"}]}},
              {"name": "price", "type": "double"},
              {"name": "clicked", "type": "boolean"}]}""");
    /** V1 plus an optional field, as a producer's next version adds it. */
    static final Schema V2 = new Schema.Parser().parse("""
            {"type": "record", "name": "Click", "namespace": "shop", "fields": [
              {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                {"name": "id", "type": "string"}, {"name": "country", "type": "string"}]}},
              {"name": "price", "type": "double"},
              {"name": "clicked", "type": "boolean"},
              {"name": "device", "type": ["null", "string"], "default": null}]}""");

    /** The registry's table, as ids map to schemas: 1 and 2 Avro, 3 Protobuf. */
    private final Map<Integer, RegisteredSchema> table = new HashMap<>(Map.of(
            1, new RegisteredSchema(1, "AVRO", V1, null),
            2, new RegisteredSchema(2, "AVRO", V2, null),
            3, new RegisteredSchema(3, "PROTOBUF", null, "schema id 3 is a PROTOBUF schema: Protobuf records in the "
                    + "Confluent wire format are not read yet (inertia.input.format=confluent-avro reads Avro)")));
    private final SchemaSource source = id -> {
        RegisteredSchema schema = table.get(id);
        if (schema == null) {
            throw new UnknownSchemaException(id, "http://registry");
        }
        return schema;
    };

    static GenericRecord click(Schema schema, String country, double price, String device) {
        GenericRecord user = new GenericData.Record(schema.getField("user").schema());
        user.put("id", "u1");
        user.put("country", country);
        GenericRecord click = new GenericData.Record(schema);
        click.put("user", user);
        click.put("price", price);
        click.put("clicked", true);
        if (schema.getField("device") != null) {
            click.put("device", device);
        }
        return click;
    }

    static byte[] body(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The Confluent wire format, written here byte by byte: 0, the id big-endian, the body. */
    static byte[] framed(int id, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
    }

    @Test
    void shouldReadEveryVersionOfASchemaFromTheWireFormat() throws Exception {
        ConfluentAvroDecoder decoder = new ConfluentAvroDecoder(source, null);
        GenericRecord first = (GenericRecord) decoder.decode("clicks", framed(1, body(click(V1, "DE", 1.5, null))));
        GenericRecord second = (GenericRecord) decoder.decode("clicks", framed(2, body(click(V2, "FR", 2.5, "ios"))));
        assertEquals("DE", FieldPath.parse("user.country").single(first));
        assertEquals(1.5, FieldPath.parse("price").single(first));
        assertNull(FieldPath.parse("device").single(first), "an older record lacks the new field");
        assertEquals("FR", FieldPath.parse("user.country").single(second));
        assertEquals("ios", FieldPath.parse("device").single(second));
    }

    @Test
    void shouldResolveEveryWriterSchemaToTheReaderSchema() throws Exception {
        ConfluentAvroDecoder decoder = new ConfluentAvroDecoder(source, V2);
        GenericRecord old = (GenericRecord) decoder.decode("clicks", framed(1, body(click(V1, "DE", 1.5, null))));
        assertEquals(V2, old.getSchema(), "a v1 record reads in the reader schema's shape");
        assertNull(old.get("device"));
        assertEquals("DE", FieldPath.parse("user.country").single(old));
    }

    @Test
    void shouldRefuseWhatIsNotAReadableFramedRecordSayingWhy() throws Exception {
        ConfluentAvroDecoder decoder = new ConfluentAvroDecoder(source, null);
        byte[] good = body(click(V1, "DE", 1.5, null));
        assertEquals("cannot deserialize topic 'clicks': schema id 9 is unknown to the schema registry at "
                + "http://registry (404)", refusal(decoder, framed(9, good)));
        assertEquals("cannot deserialize topic 'clicks': schema id 3 is a PROTOBUF schema: Protobuf records in the "
                + "Confluent wire format are not read yet (inertia.input.format=confluent-avro reads Avro)",
                refusal(decoder, framed(3, good)));
        assertEquals("cannot deserialize topic 'clicks': not the Confluent Schema Registry wire format (magic byte "
                + "0, then a 4-byte schema id): JSON text", refusal(decoder, "{\"a\": 1}".getBytes(
                        StandardCharsets.UTF_8)));
        assertEquals("cannot deserialize topic 'clicks': not the Confluent Schema Registry wire format (magic byte "
                + "0, then a 4-byte schema id): Avro's single-object encoding (marker C3 01)",
                refusal(decoder, new byte[] {(byte) 0xC3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2}));
        assertEquals("cannot deserialize topic 'clicks': not the Confluent Schema Registry wire format (magic byte "
                + "0, then a 4-byte schema id): no known framing (first byte 0x07)",
                refusal(decoder, new byte[] {7, 0, 0, 0, 1, 2}));
        byte[] longer = new byte[good.length + 1];
        System.arraycopy(good, 0, longer, 0, good.length);
        assertEquals("cannot deserialize topic 'clicks': bytes after the record written with schema id 1",
                refusal(decoder, framed(1, longer)));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
        assertEquals("cannot deserialize topic 'clicks': not an Avro record of schema id 1: EOFException",
                refusal(decoder, framed(1, cut)));
    }

    @Test
    void shouldRefuseALengthBeyondTheRecordWithoutAllocatingIt() {
        // A string length of 2^30 in a 10-byte body: refused as malformed, not read as a gigabyte.
        byte[] body = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 'u', '1'};
        String reason = refusal(new ConfluentAvroDecoder(source, null), framed(1, body));
        assertEquals("cannot deserialize topic 'clicks': not an Avro record of schema id 1:", reason.substring(0,
                reason.indexOf(':', reason.indexOf("schema id 1")) + 1));
    }

    @Test
    void shouldLetARegistryOutageThrough() {
        ConfluentAvroDecoder decoder = new ConfluentAvroDecoder(id -> {
            throw new RegistryUnavailableException("down");
        }, null);
        assertThrows(RegistryUnavailableException.class, () -> decoder.decode("clicks", framed(1, new byte[] {0})));
    }

    @Test
    void shouldReadAvroWithASchemaFileRawOrInSingleObjectEncoding() throws Exception {
        SchemaFileAvroDecoder decoder = new SchemaFileAvroDecoder(V1);
        byte[] body = body(click(V1, "DE", 1.5, null));
        assertEquals("DE", FieldPath.parse("user.country").single(decoder.decode("clicks", body)));
        long fingerprint = SchemaNormalization.parsingFingerprint64(V1);
        ByteBuffer single = ByteBuffer.allocate(10 + body.length).put((byte) 0xC3).put((byte) 1);
        single.order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).put(body);
        assertEquals(1.5, FieldPath.parse("price").single(decoder.decode("clicks", single.array())));
        assertEquals("cannot deserialize topic 'clicks': looks like the Confluent Schema Registry wire format (magic "
                + "byte 0, schema id 1): use inertia.input.format=confluent-avro with inertia.schema.registry.url",
                refusal(decoder, framed(1, body)));
    }

    @Test
    void shouldReadAJsonObjectAndRefuseEverythingElse() {
        JsonRecordDecoder decoder = new JsonRecordDecoder();
        JsonNode record = (JsonNode) decoder.decode("clicks", "{\"user\": {\"country\": \"DE\"}}".getBytes(
                StandardCharsets.UTF_8));
        assertEquals("DE", FieldPath.parse("user.country").single(record));
        assertEquals("cannot deserialize topic 'clicks': a record is one JSON object, got an array",
                refusal(decoder, "[1, 2]".getBytes(StandardCharsets.UTF_8)));
        assertEquals("cannot deserialize topic 'clicks': not JSON but the Confluent Schema Registry wire format "
                + "(magic byte 0, schema id 5, then JSON text: JSON Schema framing, not read yet); for Avro use "
                + "inertia.input.format=confluent-avro", refusal(decoder, framed(5, "{}".getBytes(
                        StandardCharsets.UTF_8))));
        String duplicate = refusal(decoder, "{\"a\": 1, \"a\": 2}".getBytes(StandardCharsets.UTF_8));
        assertEquals("cannot deserialize topic 'clicks': not a JSON record: Duplicate field 'a'",
                duplicate);
        String trailing = refusal(decoder, "{\"a\": 1} x".getBytes(StandardCharsets.UTF_8));
        assertEquals("cannot deserialize topic 'clicks': not a JSON record: ", trailing.substring(0,
                "cannot deserialize topic 'clicks': not a JSON record: ".length()));
    }

    private static String refusal(RecordDecoder decoder, byte[] bytes) {
        return assertThrows(SerializationException.class, () -> decoder.decode("clicks", bytes)).getMessage();
    }
}
