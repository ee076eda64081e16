package io.inertia.spec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Checks a feature spec's paths against an Avro schema before the first record: every path must lead through records
 * (a field), maps (a key) and arrays ({@code []}) to a value of the kind its role needs. A union counts when one of
 * its branches fits. With this check, a misspelt path in a spec over Avro stops {@code run} at start instead of
 * silently skipping a feature on every record.
 */
final class SchemaCheck {

    private static final Set<Schema.Type> NUMBERS = EnumSet.of(Schema.Type.INT, Schema.Type.LONG, Schema.Type.FLOAT,
            Schema.Type.DOUBLE, Schema.Type.BOOLEAN);
    private static final Set<Schema.Type> TEXT_OR_WHOLE = EnumSet.of(Schema.Type.STRING, Schema.Type.ENUM,
            Schema.Type.INT, Schema.Type.LONG);
    private static final Set<Schema.Type> CATEGORIES = EnumSet.of(Schema.Type.STRING, Schema.Type.ENUM,
            Schema.Type.INT, Schema.Type.LONG, Schema.Type.BOOLEAN, Schema.Type.FLOAT, Schema.Type.DOUBLE);

    private SchemaCheck() {
    }

    /** One line per path of {@code spec} that {@code schema} does not hold as its role needs; empty when all fit. */
    static List<String> problems(FeatureSpec spec, Schema schema) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, FieldPath> entry : spec.paths().entrySet()) {
            String role = entry.getKey();
            Set<Schema.Type> wanted;
            String kind;
            if (role.equals("label")) {
                wanted = spec.label().classes().isEmpty() ? NUMBERS : union(NUMBERS, EnumSet.of(Schema.Type.STRING,
                        Schema.Type.ENUM));
                kind = spec.label().classes().isEmpty() ? "a number or boolean (strings need label.classes)"
                        : "a number, boolean or class name";
            } else if (role.equals("weight") || role.startsWith("numeric")) {
                wanted = NUMBERS;
                kind = "a number or boolean";
            } else if (role.startsWith("categorical")) {
                wanted = CATEGORIES;
                kind = "a string, enum, number or boolean";
            } else {
                wanted = TEXT_OR_WHOLE;
                kind = "a string, enum or whole number";
            }
            String problem = check(entry.getValue(), schema, wanted, kind);
            if (problem != null) {
                problems.add(role + " '" + entry.getValue() + "': " + problem);
            }
        }
        return problems;
    }

    private static Set<Schema.Type> union(Set<Schema.Type> a, Set<Schema.Type> b) {
        Set<Schema.Type> all = EnumSet.copyOf(a);
        all.addAll(b);
        return all;
    }

    /** Why {@code path} does not lead to one of {@code wanted} in {@code schema}, or null when it does. */
    private static String check(FieldPath path, Schema schema, Set<Schema.Type> wanted, String kind) {
        List<Schema> at = List.of(schema);
        String where = "the record";
        List<String> names = path.names();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            List<Schema> next = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            for (Schema candidate : branches(at)) {
                if (candidate.getType() == Schema.Type.RECORD) {
                    Schema.Field field = candidate.getField(name);
                    if (field != null) {
                        next.add(field.schema());
                    } else {
                        candidate.getFields().forEach(f -> seen.add(f.name()));
                    }
                } else if (candidate.getType() == Schema.Type.MAP) {
                    next.add(candidate.getValueType());
                }
            }
            if (next.isEmpty()) {
                return seen.isEmpty() ? where + " is not a record or map"
                        : "no field '" + name + "' in " + where + " (fields: " + String.join(", ", seen) + ")";
            }
            where = "'" + String.join(".", names.subList(0, i + 1)) + "'";
            for (int a = 0; a < path.arraysAfter(i); a++) {
                List<Schema> elements = new ArrayList<>();
                for (Schema candidate : branches(next)) {
                    if (candidate.getType() == Schema.Type.ARRAY) {
                        elements.add(candidate.getElementType());
                    }
                }
                if (elements.isEmpty()) {
                    return where + " is not an array, so [] cannot take its elements";
                }
                next = elements;
                where = where.substring(0, where.length() - 1) + "[]'";
            }
            at = next;
        }
        for (Schema leaf : branches(at)) {
            if (wanted.contains(leaf.getType())) {
                return null;
            }
        }
        List<String> types = branches(at).stream().map(s -> s.getType().getName()).toList();
        return "is " + String.join(" or ", types) + ", not " + kind;
    }

    /** The schemas in {@code schemas} with every union replaced by its non-null branches. */
    private static List<Schema> branches(List<Schema> schemas) {
        List<Schema> all = new ArrayList<>();
        for (Schema schema : schemas) {
            if (schema.getType() == Schema.Type.UNION) {
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        all.add(branch);
                    }
                }
            } else {
                all.add(schema);
            }
        }
        return all;
    }
}
