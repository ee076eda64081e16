package io.inertia.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class FieldPathTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** user {id: long, country: [null, string]}, items [{id: int, tags: [string]}], attrs map<double>, kind enum. */
    static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "Order", "fields": [
              {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                {"name": "id", "type": "long"},
                {"name": "country", "type": ["null", "string"], "default": null}]}},
              {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": [
                {"name": "id", "type": "int"},
                {"name": "tags", "type": {"type": "array", "items": "string"}}]}}},
              {"name": "attrs", "type": {"type": "map", "values": "double"}},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["WEB", "APP"]}},
              {"name": "paid", "type": "boolean"},
              {"name": "blob", "type": "bytes"}]}""");

    static final String JSON_RECORD = """
            {"user": {"id": 17, "country": "DE"},
             "items": [{"id": 3, "tags": ["a", "b"]}, {"id": 5, "tags": []}],
             "attrs": {"speed": 1.5}, "kind": "APP", "paid": true, "blob": "AAE="}""";

    /** The same order as {@link #JSON_RECORD}, as an Avro record. */
    static GenericRecord avroRecord() {
        Schema item = SCHEMA.getField("items").schema().getElementType();
        GenericRecord user = new GenericData.Record(SCHEMA.getField("user").schema());
        user.put("id", 17L);
        user.put("country", new org.apache.avro.util.Utf8("DE"));
        GenericRecord first = new GenericData.Record(item);
        first.put("id", 3);
        first.put("tags", new GenericData.Array<>(item.getField("tags").schema(),
                List.of(new org.apache.avro.util.Utf8("a"), new org.apache.avro.util.Utf8("b"))));
        GenericRecord second = new GenericData.Record(item);
        second.put("id", 5);
        second.put("tags", new GenericData.Array<>(item.getField("tags").schema(), List.of()));
        GenericRecord order = new GenericData.Record(SCHEMA);
        order.put("user", user);
        order.put("items", new GenericData.Array<>(SCHEMA.getField("items").schema(), List.of(first, second)));
        order.put("attrs", Map.of(new org.apache.avro.util.Utf8("speed"), 1.5));
        order.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "APP"));
        order.put("paid", true);
        order.put("blob", java.nio.ByteBuffer.wrap(new byte[] {0, 1}));
        return order;
    }

    private static List<Object> values(String path, Object root) {
        List<Object> out = new ArrayList<>();
        FieldPath.parse(path).collect(root, out);
        return out;
    }

    @Test
    void shouldReachTheSameValuesInJsonAndAvro() throws Exception {
        Object json = JSON.readTree(JSON_RECORD);
        Object avro = avroRecord();
        Map<String, List<Object>> expected = Map.of(
                "user.id", List.of(17L),
                "user.country", List.of("DE"),
                "items[].id", List.of(3L, 5L),
                "items[].tags[]", List.of("a", "b"),
                "attrs.speed", List.of(1.5),
                "kind", List.of("APP"),
                "paid", List.of(true),
                "user.missing", List.of(),
                "items[].missing", List.of());
        for (Map.Entry<String, List<Object>> path : expected.entrySet()) {
            assertEquals(path.getValue(), values(path.getKey(), json), "JSON " + path.getKey());
            assertEquals(path.getValue(), values(path.getKey(), avro), "Avro " + path.getKey());
        }
    }

    @Test
    void shouldReadRecordsOfSchemasThatPlaceTheFieldDifferently() {
        // One path reads records of several schemas in turn (writer schemas of one subject): x is first, then
        // second, then absent, then first again.
        Schema first = new Schema.Parser().parse("""
                {"type": "record", "name": "A", "fields": [{"name": "x", "type": "long"}, {"name": "y", "type": "long"}]}""");
        Schema second = new Schema.Parser().parse("""
                {"type": "record", "name": "A", "fields": [{"name": "y", "type": "long"}, {"name": "x", "type": "long"}]}""");
        Schema without = new Schema.Parser().parse("""
                {"type": "record", "name": "A", "fields": [{"name": "y", "type": "long"}]}""");
        FieldPath x = FieldPath.parse("x");
        assertEquals(1L, x.single(avroXy(first, 1, 2)));
        assertEquals(3L, x.single(avroXy(second, 3, 4)));
        GenericRecord onlyY = new GenericData.Record(without);
        onlyY.put("y", 5L);
        assertNull(x.single(onlyY));
        assertEquals(6L, x.single(avroXy(first, 6, 7)));
    }

    private static GenericRecord avroXy(Schema schema, long x, long y) {
        GenericRecord record = new GenericData.Record(schema);
        record.put("x", x);
        record.put("y", y);
        return record;
    }

    @Test
    void shouldSayWhatIsThereWhenItIsNotAValue() throws Exception {
        Object json = JSON.readTree(JSON_RECORD);
        assertEquals(List.of(new FieldPath.Mismatch("an object")), values("user", json));
        assertEquals(List.of(new FieldPath.Mismatch("an array")), values("items", json));
        assertEquals(List.of(new FieldPath.Mismatch("a string where 'kind' should be an object")),
                values("kind.name", json));
        assertEquals(List.of(new FieldPath.Mismatch("an object where 'user' should be an array")),
                values("user[].id", json));
        assertEquals(List.of(new FieldPath.Mismatch("bytes")), values("blob", avroRecord()));
        assertEquals(List.of(new FieldPath.Mismatch("a record")), values("user", avroRecord()));
    }

    @Test
    void shouldReachNothingThroughNulls() throws Exception {
        assertNull(FieldPath.parse("user.country").single(JSON.readTree("{\"user\": {\"country\": null}}")));
        assertNull(FieldPath.parse("user.country").single(JSON.readTree("{\"user\": null}")));
        GenericRecord order = avroRecord();
        ((GenericRecord) order.get("user")).put("country", null);
        assertNull(FieldPath.parse("user.country").single(order));
    }

    @Test
    void shouldRefuseMalformedPathsSayingWhy() {
        assertEquals("a field path must not be empty",
                assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("")).getMessage());
        assertEquals("field path 'user..id' has an empty name between its dots",
                assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("user..id")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("items[0].id")).getMessage()
                .startsWith("field path 'items[0].id': '[' cannot be part of a field name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("a=b")).getMessage()
                .contains("'=' cannot be part of a field name"));
        assertTrue(FieldPath.parse("items[].tags[]").hasArrays());
        assertFalse(FieldPath.parse("user-agent.os_name").hasArrays());
    }
}
