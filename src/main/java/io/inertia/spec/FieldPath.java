package io.inertia.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * A path to values inside a user's record, the same for a JSON tree and an Avro record: field names joined by dots
 * ({@code user.country}), and {@code []} after a name to take every element of the array it holds
 * ({@code items[].id}: the {@code id} of every item). Through an Avro union the path follows the branch the record
 * holds; through an Avro map, a name is a key.
 *
 * <p>What a path reaches is reduced to a few kinds that both formats share: text ({@link String}, also an Avro enum
 * symbol), whole numbers ({@link Long}, from JSON integers and Avro int and long), other numbers ({@link Double}),
 * booleans ({@link Boolean}), or a {@link Mismatch} saying what else is there (an object where a value was expected, a
 * string where an object was expected, bytes). A missing field, a JSON null and an Avro null reach nothing. So the same
 * record gives the same values whether it came as JSON or as Avro.
 */
public final class FieldPath {

    private final String text;
    private final String[] names;
    /** How many times {@code []} follows each name. */
    private final int[] arrays;
    private final boolean hasArrays;
    /**
     * Where {@code names[depth]} is in the last Avro schema met at that depth: records of one schema are read without
     * looking their fields up by name. Shared between threads, the entries are immutable, so a race only costs a lookup.
     */
    private final Position[] positions;

    private FieldPath(String text, String[] names, int[] arrays) {
        this.text = text;
        this.names = names;
        this.arrays = arrays;
        this.hasArrays = java.util.Arrays.stream(arrays).anyMatch(count -> count > 0);
        this.positions = new Position[names.length];
    }

    /** Something a path reached that is not a value of the kinds above, e.g. {@code "an object"}. */
    public record Mismatch(String what) {
    }

    /**
     * The path written as {@code text}.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static FieldPath parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a field path must not be empty");
        }
        String[] segments = text.split("\\.", -1);
        String[] names = new String[segments.length];
        int[] arrays = new int[segments.length];
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            int end = segment.length();
            while (end >= 2 && segment.startsWith("[]", end - 2)) {
                arrays[i]++;
                end -= 2;
            }
            String name = segment.substring(0, end);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("field path '" + text + "' has an empty name"
                        + (segments.length > 1 ? " between its dots" : ""));
            }
            for (int c = 0; c < name.length(); c++) {
                char ch = name.charAt(c);
                if (ch == '[' || ch == ']' || ch == '=' || ch == '^' || Character.isWhitespace(ch)) {
                    throw new IllegalArgumentException("field path '" + text + "': '" + ch + "' cannot be part of a "
                            + "field name (names are joined by dots, [] takes an array's elements; = and ^ are kept "
                            + "for feature names)");
                }
            }
            names[i] = name;
        }
        return new FieldPath(text, names, arrays);
    }

    /** Whether the path goes through an array ({@code []}), so that it may reach several values. */
    public boolean hasArrays() {
        return hasArrays;
    }

    /** The field names in order. */
    List<String> names() {
        return List.of(names);
    }

    /** How many times {@code []} follows the name at {@code index}. */
    int arraysAfter(int index) {
        return arrays[index];
    }

    /**
     * Every value the path reaches in {@code root} (a Jackson tree or an Avro record), in the record's order, added to
     * {@code out}: nothing when a field on the way is missing or null.
     */
    public void collect(Object root, List<Object> out) {
        walk(root, 0, out);
    }

    /** The one value the path reaches in {@code root}, null when it reaches none (see {@link #collect}). */
    public Object single(Object root) {
        if (!hasArrays) {
            // One value at most: walked down without a list.
            Object node = root;
            for (int depth = 0; depth < names.length; depth++) {
                if (isNull(node)) {
                    return null;
                }
                node = child(node, depth);
                if (node instanceof Mismatch) {
                    return node;
                }
            }
            return isNull(node) ? null : leaf(node);
        }
        List<Object> values = new ArrayList<>(1);
        walk(root, 0, values);
        return values.isEmpty() ? null : values.get(0);
    }

    private void walk(Object node, int depth, List<Object> out) {
        if (isNull(node)) {
            return;
        }
        if (depth == names.length) {
            out.add(leaf(node));
            return;
        }
        Object child = child(node, depth);
        if (child instanceof Mismatch) {
            out.add(child);
            return;
        }
        elements(child, arrays[depth], depth + 1, out);
    }

    /** Field {@code names[depth]} of {@code node} (null when it has none), or a {@link Mismatch} when it is no record. */
    private Object child(Object node, int depth) {
        if (node instanceof JsonNode json) {
            if (!json.isObject()) {
                return new Mismatch(kind(node) + " where '" + prefix(depth) + "' should be an object");
            }
            return json.get(names[depth]);
        }
        if (node instanceof GenericRecord record) {
            Schema schema = record.getSchema();
            Position known = positions[depth];
            if (known == null || known.schema != schema) {
                Schema.Field field = schema.getField(names[depth]);
                known = new Position(schema, field == null ? -1 : field.pos());
                positions[depth] = known;
            }
            return known.pos < 0 ? null : record.get(known.pos);
        }
        if (node instanceof Map<?, ?> map) {
            Object child = map.get(new Utf8(names[depth]));
            return child != null ? child : map.get(names[depth]);
        }
        return new Mismatch(kind(node) + " where '" + prefix(depth) + "' should be a record");
    }

    /** The position of a field in {@code schema}, -1 when it has none. */
    private record Position(Schema schema, int pos) {
    }

    /** Walks on from {@code node} after taking the elements of {@code arrays} levels of arrays. */
    private void elements(Object node, int arrays, int depth, List<Object> out) {
        if (isNull(node)) {
            return;
        }
        if (arrays == 0) {
            walk(node, depth, out);
            return;
        }
        if (node instanceof JsonNode json && json.isArray()) {
            for (JsonNode element : json) {
                elements(element, arrays - 1, depth, out);
            }
        } else if (node instanceof Collection<?> list) {
            for (Object element : list) {
                elements(element, arrays - 1, depth, out);
            }
        } else {
            String before = prefix(depth - 1);
            String array = (depth == 1 ? "" : before + ".") + names[depth - 1];
            out.add(new Mismatch(kind(node) + " where '" + array + "' should be an array"));
        }
    }

    private String prefix(int depth) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                path.append('.');
            }
            path.append(names[i]).append("[]".repeat(arrays[i]));
        }
        return path.length() == 0 ? "the record" : path.toString();
    }

    private static boolean isNull(Object node) {
        return node == null || (node instanceof JsonNode json && (json.isNull() || json.isMissingNode()));
    }

    /** A reached node as one of the shared kinds. */
    private static Object leaf(Object node) {
        if (node instanceof JsonNode json) {
            if (json.isTextual()) {
                return json.textValue();
            }
            if (json.isBoolean()) {
                return json.booleanValue();
            }
            if (json.isIntegralNumber() && json.canConvertToLong()) {
                return json.longValue();
            }
            if (json.isNumber()) {
                return json.doubleValue();
            }
            return new Mismatch(kind(node));
        }
        if (node instanceof CharSequence text) {
            return text.toString();
        }
        if (node instanceof GenericEnumSymbol<?> symbol) {
            return symbol.toString();
        }
        if (node instanceof Integer || node instanceof Long) {
            return ((Number) node).longValue();
        }
        if (node instanceof Float || node instanceof Double) {
            return ((Number) node).doubleValue();
        }
        if (node instanceof Boolean) {
            return node;
        }
        return new Mismatch(kind(node));
    }

    /** What {@code node} is, in words, for messages. */
    static String kind(Object node) {
        if (node instanceof JsonNode json) {
            return switch (json.getNodeType()) {
                case OBJECT, POJO -> "an object";
                case ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                case BINARY -> "bytes";
                default -> "null";
            };
        }
        if (node instanceof GenericRecord || node instanceof Map<?, ?>) {
            return "a record";
        }
        if (node instanceof Collection<?>) {
            return "an array";
        }
        if (node instanceof ByteBuffer || node instanceof GenericFixed) {
            return "bytes";
        }
        if (node instanceof CharSequence || node instanceof GenericEnumSymbol<?>) {
            return "a string";
        }
        if (node instanceof Number) {
            return "a number";
        }
        if (node instanceof Boolean) {
            return "a boolean";
        }
        return node instanceof GenericContainer ? "an Avro " + ((GenericContainer) node).getSchema().getType()
                : "a " + node.getClass().getSimpleName();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FieldPath path && path.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** The path as written. */
    @Override
    public String toString() {
        return text;
    }
}
