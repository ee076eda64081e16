package io.inertia.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

    @Test
    void shouldReadTheExampleSpec() throws Exception {
        FeatureSpec spec = FeatureSpec.load(Path.of("examples/clicks.spec.yaml"));
        assertEquals(new FeatureSpec.KeyField(FieldPath.parse("ad.campaign")), spec.modelKey());
        assertEquals(new FeatureSpec.Label(FieldPath.parse("clicked"), List.of()), spec.label());
        assertEquals(new FeatureSpec.EventIdField(FieldPath.parse("id")), spec.eventId());
        assertEquals(List.of(new FeatureSpec.Numeric("ad.price", FieldPath.parse("ad.price"),
                FeatureSpec.Transform.STANDARDIZE, false)), spec.numeric());
        assertEquals(List.of(new FeatureSpec.Categorical("user.country", FieldPath.parse("user.country"), false),
                new FeatureSpec.Categorical("ad.id", FieldPath.parse("ad.id"), false)), spec.categorical());
        assertEquals(List.of(new FeatureSpec.Cross(List.of(0, 1))), spec.crosses());
        assertTrue(spec.standardizes());
        assertEquals(null, spec.weight());
        assertEquals(List.of(), spec.problemsWith(new Schema.Parser().parse(Path.of("examples/clicks.avsc")
                .toFile())), "the example's Avro schema holds every path of its spec");
    }

    @Test
    void shouldTakeTheShortFormsAndDefaults() {
        FeatureSpec spec = FeatureSpec.parse("""
                label: y
                weight: w
                event-id: position
                numeric: [price]
                categorical: [{field: 'tags[]', name: tag, on-missing: dead-letter}, country]
                crosses: [[country, tag]]
                """, "t.yaml");
        assertInstanceOf(FeatureSpec.RecordKey.class, spec.modelKey());
        assertEquals(new FeatureSpec.Weight(FieldPath.parse("w"), false), spec.weight());
        assertInstanceOf(FeatureSpec.PositionEventId.class, spec.eventId());
        assertEquals(FeatureSpec.Transform.NONE, spec.numeric().get(0).transform());
        assertEquals(new FeatureSpec.Categorical("tag", FieldPath.parse("tags[]"), true), spec.categorical().get(0));
        assertEquals(List.of(new FeatureSpec.Cross(List.of(1, 0))), spec.crosses());
        assertEquals(new FeatureSpec.ConstantKey("all"), FeatureSpec.parse("""
                model-key: {constant: all}
                label: {field: y, classes: [no, yes]}
                numeric: [x]
                """, "t.yaml").modelKey());
    }

    @Test
    void shouldReportEveryMistakeOnALineOfItsOwn() {
        FeatureSpecException e = assertThrows(FeatureSpecException.class, () -> FeatureSpec.parse("""
                model-key: {field: a, constant: b}
                label: {field: 'items[].y', on-missing: skip}
                wieght: {field: w}
                event-id: offset
                numeric:
                  - {field: price, transform: log}
                  - {field: price}
                  - {field: 'x y'}
                  - {field: z, name: '#3'}
                categorical:
                  - {field: c, on-missing: maybe}
                crosses:
                  - [c]
                  - [c, nope]
                """, "spec.yaml"));
        assertEquals(List.of(
                "spec.yaml: unknown key 'wieght' (expected model-key, label, weight, event-id, numeric, "
                        + "categorical, crosses)",
                "spec.yaml: model-key: expected record-key, {field: PATH} or {constant: NAME}",
                "spec.yaml: label.on-missing: an event without a usable label is always dead-lettered; skipping it "
                        + "would lose it silently",
                "spec.yaml: label.field: 'items[].y' may reach several values ([]); only a categorical feature "
                        + "takes every element of an array",
                "spec.yaml: event-id: expected none, position (topic/partition/offset) or {field: PATH}",
                "spec.yaml: numeric[0].transform: unknown transform 'log', expected none, log1p or standardize",
                "spec.yaml: numeric[2].field: field path 'x y': ' ' cannot be part of a field name (names are joined "
                        + "by dots, [] takes an array's elements; = and ^ are kept for feature names)",
                "spec.yaml: numeric[3].name: '#3': = and ^ join the parts of categorical features and crosses, and "
                        + "#N names a hashed bucket; choose a name without them",
                "spec.yaml: categorical[0].on-missing: expected skip or dead-letter, got 'maybe'",
                "spec.yaml: crosses[0]: a cross is a list of two or three categorical features, e.g. "
                        + "[user.country, ad.id]",
                "spec.yaml: crosses[1]: 'nope' is not a categorical feature of this spec (name or field of an entry "
                        + "of categorical)",
                "spec.yaml: numeric: two features are named 'price'; give one a name:"), e.problems());
    }

    @Test
    void shouldSayWhatIsMissingFromAnEmptyOrMalformedSpec() {
        assertEquals(List.of("s.yaml: empty; a feature spec needs at least a label and one feature"),
                assertThrows(FeatureSpecException.class, () -> FeatureSpec.parse("", "s.yaml")).problems());
        assertEquals(List.of("s.yaml: label: missing: say which field holds the label, e.g. label: {field: clicked}",
                "s.yaml: no features: give numeric or categorical features (or both)"),
                assertThrows(FeatureSpecException.class, () -> FeatureSpec.parse("model-key: record-key",
                        "s.yaml")).problems());
        List<String> yaml = assertThrows(FeatureSpecException.class,
                () -> FeatureSpec.parse("label: [unclosed", "s.yaml")).problems();
        assertEquals(1, yaml.size());
        assertTrue(yaml.get(0).startsWith("s.yaml: not valid YAML at line "), yaml.get(0));
    }

    @Test
    void shouldCheckItsPathsAgainstAnAvroSchema() {
        FeatureSpec spec = FeatureSpec.parse("""
                model-key: {field: user.id}
                label: {field: kind}
                weight: {field: attrs.weight}
                numeric: [user.country, paid]
                categorical: ['items[].tags[]', user.name, 'user.id[]']
                """, "s.yaml");
        assertEquals(List.of(
                "label 'kind': is enum, not a number or boolean (strings need label.classes)",
                "numeric[0] 'user.country': is string, not a number or boolean",
                "categorical[1] 'user.name': no field 'name' in 'user' (fields: id, country)",
                "categorical[2] 'user.id[]': 'user.id' is not an array, so [] cannot take its elements"),
                spec.problemsWith(FieldPathTest.SCHEMA));
        Schema schema = FieldPathTest.SCHEMA;
        assertEquals(List.of(), FeatureSpec.parse("""
                label: {field: kind, classes: [WEB, APP]}
                numeric: [paid, attrs.speed, user.id]
                categorical: ['items[].tags[]', 'items[].id', user.country]
                """, "s.yaml").problemsWith(schema));
    }
}
