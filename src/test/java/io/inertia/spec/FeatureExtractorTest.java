package io.inertia.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.serde.EventDecoder;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class FeatureExtractorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final FeatureSpec SPEC = FeatureSpec.parse("""
            model-key: {field: user.id}
            label: {field: label, classes: [view, click, buy]}
            weight: {field: w}
            event-id: {field: id}
            numeric:
              - {field: price, transform: log1p}
              - paid
              - {field: qty, on-missing: dead-letter}
            categorical:
              - user.country
              - {field: 'items[].id', name: item}
            crosses:
              - [user.country, item]
            """, "test.yaml");

    private static final String ORDER = """
            {"id": "e9", "user": {"id": 17, "country": "DE"}, "items": [{"id": 3}, {"id": 5}, {"id": 3}],
             "price": 1.718281828459045, "paid": true, "qty": 2, "label": "buy", "w": 0.5}""";

    private static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "Order", "fields": [
              {"name": "id", "type": "string"},
              {"name": "user", "type": {"type": "record", "name": "User", "fields": [
                {"name": "id", "type": "long"}, {"name": "country", "type": ["null", "string"]}]}},
              {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item",
                "fields": [{"name": "id", "type": "int"}]}}},
              {"name": "price", "type": "double"},
              {"name": "paid", "type": "boolean"},
              {"name": "qty", "type": ["null", "int"]},
              {"name": "label", "type": {"type": "enum", "name": "Outcome", "symbols": ["view", "click", "buy"]}},
              {"name": "w", "type": "float"}]}""");

    private static EventDecoder.Event json(String record) throws Exception {
        return new FeatureExtractor(SPEC, null).extract(JSON.readTree(record), null, "orders", 0, 7);
    }

    @Test
    void shouldTurnANestedJsonRecordIntoNamedFeatures() throws Exception {
        EventDecoder.Event event = json(ORDER);
        assertEquals("17", event.modelKey());
        assertEquals(2.0, event.label(), "buy is class 2");
        assertEquals(0.5, event.weight());
        assertEquals("e9", event.eventId());
        assertNull(event.dense());
        // Item 3 twice counts once; the cross is country × each distinct item.
        assertArrayEquals(new String[] {"price", "paid", "qty", "user.country=DE", "item=3", "item=5",
            "user.country=DE^item=3", "user.country=DE^item=5"}, event.names());
        // ln(1 + (e − 1)) = 1; true = 1.
        assertArrayEquals(new double[] {1, 1, 2, 1, 1, 1, 1, 1}, event.values(), 1e-15);
    }

    @Test
    void shouldKeepTheFirstOfNamesThatRepeat() throws Exception {
        // The value "x^b=y" of a makes the categorical name a=x^b=y, which the cross [a, b] of a = x, b = y makes
        // again; the cross listed twice gives its names twice; every repeat counts once, where it first came.
        FeatureSpec spec = FeatureSpec.parse("""
                label: l
                categorical: [{field: 'a[]', name: a}, b]
                crosses: [[a, b], [a, b]]
                """, "repeats.yaml");
        EventDecoder.Event event = new FeatureExtractor(spec, null).extract(
                JSON.readTree("{\"l\": 1, \"a\": [\"x\", \"x^b=y\", \"x\"], \"b\": \"y\"}"), "k", "t", -1, 0);
        assertArrayEquals(new String[] {"a=x", "a=x^b=y", "b=y", "a=x^b=y^b=y"}, event.names());
        assertArrayEquals(new double[] {1, 1, 1, 1}, event.values());
        // Plain values: only the cross listed twice repeats.
        EventDecoder.Event plain = new FeatureExtractor(spec, null).extract(
                JSON.readTree("{\"l\": 1, \"a\": [\"x\"], \"b\": \"y\"}"), "k", "t", -1, 0);
        assertArrayEquals(new String[] {"a=x", "b=y", "a=x^b=y"}, plain.names());
    }

    @Test
    void shouldGiveTheSameEventForTheSameRecordInAvro() throws Exception {
        GenericRecord user = new GenericData.Record(SCHEMA.getField("user").schema());
        user.put("id", 17L);
        user.put("country", "DE");
        Schema item = SCHEMA.getField("items").schema().getElementType();
        List<GenericRecord> items = new ArrayList<>();
        for (int id : new int[] {3, 5, 3}) {
            GenericRecord one = new GenericData.Record(item);
            one.put("id", id);
            items.add(one);
        }
        GenericRecord order = new GenericData.Record(SCHEMA);
        order.put("id", "e9");
        order.put("user", user);
        order.put("items", items);
        order.put("price", 1.718281828459045);
        order.put("paid", true);
        order.put("qty", 2);
        order.put("label", new GenericData.EnumSymbol(SCHEMA.getField("label").schema(), "buy"));
        order.put("w", 0.5f);
        EventDecoder.Event avro = new FeatureExtractor(SPEC, null).extract(order, null, "orders", 0, 7);
        EventDecoder.Event json = json(ORDER);
        assertEquals(json.modelKey(), avro.modelKey());
        assertEquals(json.label(), avro.label());
        assertEquals(json.weight(), avro.weight());
        assertEquals(json.eventId(), avro.eventId());
        assertArrayEquals(json.names(), avro.names());
        assertArrayEquals(json.values(), avro.values(), 0.0);
    }

    @Test
    void shouldLeaveOutFeaturesThatAreMissingOrOfTheWrongType() throws Exception {
        EventDecoder.Event event = json("""
                {"user": {"id": "u1", "country": null}, "items": [{"id": 3}, {"id": {"x": 1}}],
                 "price": -2, "paid": "yes", "qty": 1.5, "label": 0}""");
        // price: log1p(−2) is undefined; paid: a string; country null: no country, hence no cross; the object item
        // is left out, item 3 stays. A missing weight is 1 and a missing id none.
        assertArrayEquals(new String[] {"qty", "item=3"}, event.names());
        assertArrayEquals(new double[] {1.5, 1}, event.values(), 0.0);
        assertEquals("u1", event.modelKey());
        assertEquals(0.0, event.label());
        assertEquals(1.0, event.weight());
        assertNull(event.eventId());
    }

    @Test
    void shouldRefuseARecordWithoutAUsableKeyLabelOrRequiredFeatureSayingWhy() {
        assertEquals("feature 'qty': field 'qty' is missing", refusal("""
                {"user": {"id": 1}, "label": 1}"""));
        assertEquals("feature 'qty': field 'qty' is a string, not a number", refusal("""
                {"user": {"id": 1}, "label": 1, "qty": "two"}"""));
        assertEquals("label field 'label' is 'maybe', not one of the classes [view, click, buy]", refusal("""
                {"user": {"id": 1}, "label": "maybe", "qty": 1}"""));
        assertEquals("label field 'label' is missing", refusal("""
                {"user": {"id": 1}, "qty": 1}"""));
        assertEquals("label field 'label' is an array, not a number, boolean or class name", refusal("""
                {"user": {"id": 1}, "label": [1], "qty": 1}"""));
        assertEquals("model key field 'user.id' is an object, not a string or whole number", refusal("""
                {"user": {"id": {"n": 1}}, "label": 1, "qty": 1}"""));
        assertEquals("model key field 'user.id' is missing", refusal("""
                {"user": {}, "label": 1, "qty": 1}"""));
        assertEquals("model key field 'user.id' cannot be reached: a string where 'user' should be an object",
                refusal("""
                {"user": "x", "label": 1, "qty": 1}"""));
    }

    private static String refusal(String record) {
        return assertThrows(SerializationException.class, () -> json(record)).getMessage();
    }

    @Test
    void shouldTakeTheEventIdFromThePositionOrNone() throws Exception {
        FeatureSpec spec = FeatureSpec.parse("label: y\nevent-id: position\nnumeric: [x]\n", "t.yaml");
        EventDecoder.Event event = new FeatureExtractor(spec, null).extract(JSON.readTree("{\"x\": 1, \"y\": 2}"),
                "m1", "clicks", 3, 42);
        assertEquals("clicks/3/42", event.eventId());
        assertEquals("m1", event.modelKey());
        assertNull(new FeatureExtractor(spec, null).extract(JSON.readTree("{\"x\": 1, \"y\": 2}"), "m1", "clicks",
                -1, -1).eventId());
        FeatureSpec constant = FeatureSpec.parse("model-key: {constant: all}\nlabel: y\nnumeric: [x]\n", "t.yaml");
        assertEquals("all", new FeatureExtractor(constant, null).extract(JSON.readTree("{\"x\": 1, \"y\": 2}"),
                "m1", "clicks", 0, 0).modelKey());
    }

    @Test
    void shouldStandardizeOnlyRecordsThatPassEveryCheck() throws Exception {
        FeatureSpec spec = FeatureSpec.parse("""
                label: y
                numeric: [{field: x, transform: standardize}, {field: z, on-missing: dead-letter}]
                """, "t.yaml");
        List<String> calls = new ArrayList<>();
        FeatureExtractor extractor = new FeatureExtractor(spec, (model, feature, x) -> {
            calls.add(model + "/" + feature + "/" + x);
            return x * 10;
        });
        assertThrows(SerializationException.class,
                () -> extractor.extract(JSON.readTree("{\"x\": 4, \"y\": 1}"), "m", "t", 0, 0));
        assertEquals(List.of(), calls, "a refused record moves no standardizer");
        EventDecoder.Event event = extractor.extract(JSON.readTree("{\"x\": 4, \"y\": 1, \"z\": 0}"), "m", "t", 0,
                1);
        assertEquals(List.of("m/0/4.0"), calls);
        assertArrayEquals(new double[] {40, 0}, event.values(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new FeatureExtractor(spec, null));
    }
}
