package dev.ponder.core.constrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a JSON Schema into the pattern of the JSON texts an answer may be: every text the pattern
 * matches is valid against the schema, though not every valid text is matched. The rules:
 *
 * <ul>
 *   <li>Layout: the compact form, with an optional single space after each {@code :} and {@code ,};
 *       no other whitespace (no newlines, no space inside brackets or before a separator).
 *   <li>{@code object}: the properties in the order the schema lists them; required ones always,
 *       optional ones may be left out; no other properties. {@code additionalProperties} must be
 *       {@code false} or absent (absent is read as false: leaving extra properties out is valid
 *       either way). Every name in {@code required} must be listed in {@code properties}.
 *   <li>{@code string}: no raw control characters; escapes {@code \" \\ \/ \b \f \n \r \t} and {@code \\uXXXX}
 *       (not surrogates). {@code minLength}/{@code maxLength} count characters. {@code pattern} must match
 *       the whole value (a pattern JSON Schema would search for is held anchored, which is stricter) and the
 *       value is written without escapes, so a pattern cannot produce a quote, backslash or control
 *       character. {@code format}: {@code date}, {@code time}, {@code date-time} (RFC 3339 shapes, month
 *       and day ranges but not month lengths), {@code uuid}, {@code email} (a common subset).
 *   <li>{@code integer}: written without fraction, exponent or leading zeros; {@code minimum},
 *       {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum} (numbers, as in draft 6 and
 *       later) are supported up to 10^18 in size. With a range, {@code -0} is not written.
 *   <li>{@code number}: any JSON number; range keywords are not supported.
 *   <li>{@code boolean}, {@code null}, {@code enum}, {@code const} (values written compactly, as
 *       Jackson writes them), {@code array} with {@code items}, {@code minItems}, {@code maxItems},
 *       {@code anyOf}, and {@code type} as a list of types.
 * </ul>
 *
 * Annotations (title, description, ...) are ignored; any other keyword is refused with an
 * {@link UnsupportedSchemaException} naming it.
 */
final class JsonSchemaRegex {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final Map<String, Set<String>> KEYWORDS_BY_TYPE = Map.of(
            "object", Set.of("properties", "required", "additionalProperties"),
            "array", Set.of("items", "minItems", "maxItems"),
            "string", Set.of("pattern", "format", "minLength", "maxLength"),
            "integer", Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
            "number", Set.of(),
            "boolean", Set.of(),
            "null", Set.of());
    private static final int MAX_COUNT = RegexParser.MAX_REPEAT;

    private static final RegexNode OPTIONAL_SPACE = new RegexNode.Repeat(RegexNode.literal(" "), 0, 1);
    private static final RegexNode COLON = concat(RegexNode.literal(":"), OPTIONAL_SPACE);
    private static final RegexNode COMMA = concat(RegexNode.literal(","), OPTIONAL_SPACE);
    /** The code points a string holds unescaped: all but the quote, the backslash and the controls. */
    private static final CodePointSet UNESCAPED = CodePointSet.of(0, 0x1F).withRange('"', '"').withRange('\\', '\\').complement();
    private static final RegexNode STRING_CHAR = new RegexNode.Alternation(List.of(
            new RegexNode.Chars(UNESCAPED),
            RegexParser.parse("\\\\[\"\\\\/bfnrt]"),
            RegexParser.parse("\\\\u([0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2})")));
    private static final RegexNode QUOTE = RegexNode.literal("\"");
    private static final RegexNode INTEGER = RegexParser.parse("-?(0|[1-9][0-9]*)");
    private static final RegexNode NUMBER = RegexParser.parse("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    private static final String DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
    private static final Map<String, String> FORMATS = Map.of(
            "date", DATE,
            "time", TIME,
            "date-time", DATE + "T" + TIME,
            "uuid", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");

    private JsonSchemaRegex() {
    }

    /** Parses the schema text; throws {@link ConstraintException} for bad JSON or an unsupported schema. */
    static RegexNode compile(String schemaJson) {
        JsonNode schema;
        try {
            schema = JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new ConstraintException("the JSON schema is not valid JSON: " + e.getOriginalMessage());
        }
        if (schema == null || schema.isMissingNode()) {
            throw new ConstraintException("the JSON schema is empty");
        }
        return compile(schema);
    }

    static RegexNode compile(JsonNode schema) {
        if (!schema.isObject()) {
            throw new UnsupportedSchemaException("type", "a schema must be an object (boolean schemas, which allow"
                    + " any value, are not supported)");
        }
        if (schema.has("const")) {
            checkOnly(schema, Set.of("const", "type"));
            return literalValue(schema.get("const"));
        }
        if (schema.has("enum")) {
            checkOnly(schema, Set.of("enum", "type"));
            return enumeration(schema.get("enum"));
        }
        if (schema.has("anyOf")) {
            checkOnly(schema, Set.of("anyOf"));
            return anyOf(schema.get("anyOf"));
        }
        JsonNode type = schema.get("type");
        if (type == null) {
            Iterator<String> names = schema.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!ANNOTATIONS.contains(name)) {
                    throw new UnsupportedSchemaException(name, "not supported here (or the schema lacks a 'type')");
                }
            }
            throw new UnsupportedSchemaException("type", "a schema without 'type', 'enum', 'const' or 'anyOf' (any JSON"
                    + " value) is not supported");
        }
        if (type.isArray()) {
            List<RegexNode> options = new ArrayList<>();
            for (JsonNode single : type) {
                options.add(typed(schema, textOf(single, "type")));
            }
            if (options.isEmpty()) {
                throw new UnsupportedSchemaException("type", "an empty list of types allows nothing");
            }
            return new RegexNode.Alternation(options);
        }
        return typed(schema, textOf(type, "type"));
    }

    private static RegexNode typed(JsonNode schema, String type) {
        Set<String> allowed = KEYWORDS_BY_TYPE.get(type);
        if (allowed == null) {
            throw new UnsupportedSchemaException("type", "unknown type '" + type + "'");
        }
        Iterator<String> names = schema.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("type") && !ANNOTATIONS.contains(name) && !allowed.contains(name)
                    && !(isTypeList(schema) && anyTypeAllows(schema, name))) {
                throw new UnsupportedSchemaException(name, "not supported for type '" + type + "'");
            }
        }
        return switch (type) {
            case "object" -> object(schema);
            case "array" -> array(schema);
            case "string" -> string(schema);
            case "integer" -> integer(schema);
            case "number" -> NUMBER;
            case "boolean" -> RegexParser.parse("true|false");
            default -> RegexNode.literal("null");
        };
    }

    private static boolean isTypeList(JsonNode schema) {
        return schema.get("type").isArray();
    }

    /** With {@code "type": ["string", "null"]} the string keywords belong to the string branch only. */
    private static boolean anyTypeAllows(JsonNode schema, String keyword) {
        for (JsonNode single : schema.get("type")) {
            Set<String> allowed = KEYWORDS_BY_TYPE.get(single.asText());
            if (allowed != null && allowed.contains(keyword)) {
                return true;
            }
        }
        return false;
    }

    private static RegexNode object(JsonNode schema) {
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
            throw new UnsupportedSchemaException("additionalProperties", "only false (or leaving it out) is supported");
        }
        JsonNode properties = schema.has("properties") ? schema.get("properties") : JSON.createObjectNode();
        if (!properties.isObject()) {
            throw new ConstraintException("'properties' must be an object");
        }
        Set<String> required = new java.util.HashSet<>();
        if (schema.has("required")) {
            for (JsonNode name : schema.get("required")) {
                String text = textOf(name, "required");
                if (!properties.has(text)) {
                    throw new UnsupportedSchemaException("required", "required property '" + text
                            + "' is not listed in 'properties'");
                }
                required.add(text);
            }
        }
        List<RegexNode> members = new ArrayList<>();
        List<Boolean> isRequired = new ArrayList<>();
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            members.add(concat(literalValue(JSON.getNodeFactory().textNode(property.getKey())), COLON,
                    compile(property.getValue())));
            isRequired.add(required.contains(property.getKey()));
        }
        return concat(RegexNode.literal("{"), members(members, isRequired, 0, false), RegexNode.literal("}"));
    }

    /**
     * The members from index {@code i} on, in order, each optional one present or not; {@code afterMember}
     * says whether a member was written before (so the next one needs a comma).
     */
    private static RegexNode members(List<RegexNode> members, List<Boolean> required, int i, boolean afterMember) {
        if (i == members.size()) {
            return new RegexNode.Empty();
        }
        RegexNode member = afterMember ? concat(COMMA, members.get(i)) : members.get(i);
        RegexNode present = concat(member, members(members, required, i + 1, true));
        if (required.get(i)) {
            return present;
        }
        if (afterMember) {
            // The comma rule does not depend on this member: keep the size linear.
            return concat(new RegexNode.Repeat(member, 0, 1), members(members, required, i + 1, true));
        }
        return new RegexNode.Alternation(List.of(present, members(members, required, i + 1, false)));
    }

    private static RegexNode array(JsonNode schema) {
        if (!schema.has("items")) {
            throw new UnsupportedSchemaException("items", "an array needs an 'items' schema (arrays of any values are"
                    + " not supported)");
        }
        RegexNode item = compile(schema.get("items"));
        int min = count(schema, "minItems", 0);
        int max = count(schema, "maxItems", RegexNode.UNBOUNDED);
        RegexNode body;
        if (max == 0) {
            body = new RegexNode.Empty();
        } else {
            RegexNode rest = new RegexNode.Repeat(concat(COMMA, item), Math.max(min - 1, 0),
                    max == RegexNode.UNBOUNDED ? RegexNode.UNBOUNDED : max - 1);
            RegexNode nonEmpty = concat(item, rest);
            body = min == 0 ? new RegexNode.Repeat(nonEmpty, 0, 1) : nonEmpty;
        }
        return concat(RegexNode.literal("["), body, RegexNode.literal("]"));
    }

    private static RegexNode integer(JsonNode schema) {
        Long min = bound(schema, "minimum", false);
        Long exclusiveMin = bound(schema, "exclusiveMinimum", false);
        Long max = bound(schema, "maximum", true);
        Long exclusiveMax = bound(schema, "exclusiveMaximum", true);
        if (exclusiveMin != null) {
            // exclusiveMinimum 2.5 allows 3: the ceiling is already taken, so only an integral bound moves up.
            long moved = schema.get("exclusiveMinimum").decimalValue().stripTrailingZeros().scale() <= 0 ? exclusiveMin + 1 : exclusiveMin;
            min = min == null ? moved : Math.max(min, moved);
        }
        if (exclusiveMax != null) {
            long moved = schema.get("exclusiveMaximum").decimalValue().stripTrailingZeros().scale() <= 0 ? exclusiveMax - 1 : exclusiveMax;
            max = max == null ? moved : Math.min(max, moved);
        }
        if (min == null && max == null) {
            return INTEGER;
        }
        return RegexParser.parse(IntegerRange.pattern(min, max));
    }

    /** A numeric bound rounded inwards to an integer (up for a lower bound, down for an upper one). */
    private static Long bound(JsonNode schema, String keyword, boolean upper) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw new UnsupportedSchemaException(keyword, "must be a number (the draft 4 boolean form is not supported)");
        }
        java.math.BigDecimal exact = value.decimalValue();
        java.math.BigDecimal rounded = exact.setScale(0, upper ? java.math.RoundingMode.FLOOR : java.math.RoundingMode.CEILING);
        if (rounded.abs().compareTo(java.math.BigDecimal.valueOf(IntegerRange.LIMIT)) > 0) {
            throw new UnsupportedSchemaException(keyword, "bounds above 10^18 in size are not supported");
        }
        return rounded.longValueExact();
    }

    private static RegexNode string(JsonNode schema) {
        boolean hasLength = schema.has("minLength") || schema.has("maxLength");
        if (schema.has("pattern") || schema.has("format")) {
            if (schema.has("pattern") && schema.has("format")) {
                throw new UnsupportedSchemaException("format", "'format' together with 'pattern' is not supported");
            }
            if (hasLength) {
                throw new UnsupportedSchemaException(schema.has("minLength") ? "minLength" : "maxLength",
                        "length limits together with 'pattern' or 'format' are not supported");
            }
            RegexNode value = schema.has("pattern") ? RegexParser.parse(textOf(schema.get("pattern"), "pattern")) : format(schema);
            return concat(QUOTE, RegexNode.restrict(value, UNESCAPED), QUOTE);
        }
        int min = count(schema, "minLength", 0);
        int max = count(schema, "maxLength", RegexNode.UNBOUNDED);
        return concat(QUOTE, new RegexNode.Repeat(STRING_CHAR, min, max), QUOTE);
    }

    private static RegexNode format(JsonNode schema) {
        String format = textOf(schema.get("format"), "format");
        String pattern = FORMATS.get(format);
        if (pattern == null) {
            throw new UnsupportedSchemaException("format", "format '" + format + "' is not supported (supported: "
                    + String.join(", ", new java.util.TreeSet<>(FORMATS.keySet())) + ")");
        }
        return RegexParser.parse(pattern);
    }

    private static RegexNode enumeration(JsonNode values) {
        if (!values.isArray() || values.isEmpty()) {
            throw new ConstraintException("'enum' must be a non-empty array");
        }
        List<RegexNode> options = new ArrayList<>();
        for (JsonNode value : values) {
            options.add(literalValue(value));
        }
        return new RegexNode.Alternation(options);
    }

    private static RegexNode anyOf(JsonNode schemas) {
        if (!schemas.isArray() || schemas.isEmpty()) {
            throw new ConstraintException("'anyOf' must be a non-empty array");
        }
        List<RegexNode> options = new ArrayList<>();
        for (JsonNode schema : schemas) {
            options.add(compile(schema));
        }
        return new RegexNode.Alternation(options);
    }

    /** Exactly the compact JSON text of a value. */
    private static RegexNode literalValue(JsonNode value) {
        try {
            return RegexNode.literal(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new ConstraintException("cannot write the value " + value + ": " + e.getOriginalMessage());
        }
    }

    private static void checkOnly(JsonNode schema, Set<String> allowed) {
        Iterator<String> names = schema.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name) && !ANNOTATIONS.contains(name)) {
                throw new UnsupportedSchemaException(name, "not supported next to '"
                        + String.join("'/'", allowed.stream().filter(a -> !a.equals("type")).toList()) + "'");
            }
        }
    }

    private static int count(JsonNode schema, String keyword, int absent) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 0) {
            throw new ConstraintException("'" + keyword + "' must be a non-negative integer");
        }
        if (value.intValue() > MAX_COUNT) {
            throw new UnsupportedSchemaException(keyword, "values above " + MAX_COUNT + " are not supported");
        }
        if (keyword.startsWith("max")) {
            int min = count(schema, keyword.replace("max", "min"), 0);
            if (value.intValue() < min) {
                throw new ConstraintException("'" + keyword + "' is below '" + keyword.replace("max", "min") + "'");
            }
        }
        return value.intValue();
    }

    private static String textOf(JsonNode node, String keyword) {
        if (node == null || !node.isTextual()) {
            throw new ConstraintException("'" + keyword + "' must be a string");
        }
        return node.textValue();
    }

    private static RegexNode concat(RegexNode... parts) {
        return new RegexNode.Concat(List.of(parts));
    }
}
