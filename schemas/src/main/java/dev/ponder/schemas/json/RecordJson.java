package dev.ponder.schemas.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Plain JSON for Avro records, as people write it (the form the README shows, and the JSONL that
 * tools submit): a union is its value itself (no {@code {"string": ...}} wrapper), a missing field
 * takes its schema default, {@code timestamp-millis} is an ISO-8601 instant (or epoch millis on
 * input), bytes and fixed are base64. Unknown fields, missing required fields and values of the
 * wrong type are rejected with an {@link IllegalArgumentException} naming the JSON path.
 */
public final class RecordJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecordJson() {
    }

    /** Parses {@code json} into the generated class {@code type}. */
    public static <T extends SpecificRecord> T fromJson(String json, Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        Object generic = fromJson(json, schema);
        try {
            byte[] bytes = encode(generic, schema, GenericData.get());
            SpecificDatumReader<T> reader = new SpecificDatumReader<>(schema, schema, model);
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code json} into a generic datum of {@code schema} (a {@link GenericRecord} for a record schema). */
    public static Object fromJson(String json, Schema schema) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            throw new IllegalArgumentException("Not valid JSON: empty input");
        }
        return toAvro(node, schema, "$");
    }

    /** The record as compact plain JSON. */
    public static String toJson(IndexedRecord record) {
        return write(MAPPER, record);
    }

    /** The record as indented plain JSON. */
    public static String toPrettyJson(IndexedRecord record) {
        return write(PRETTY, record);
    }

    private static String write(ObjectMapper mapper, IndexedRecord record) {
        Schema schema = record.getSchema();
        Object generic = record;
        if (record instanceof SpecificRecord) {
            // Go through the binary form so logical types come back in their raw representation.
            try {
                byte[] bytes = encode(record, schema, SpecificData.getForClass(record.getClass()));
                generic = new GenericDatumReader<>(schema, schema, GenericData.get())
                        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            return mapper.writeValueAsString(toJsonNode(generic, schema));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encode(Object datum, Schema schema, GenericData model) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<>(schema, model).write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------- JSON -> Avro

    private static IllegalArgumentException wrong(String path, String expected, JsonNode node) {
        return new IllegalArgumentException(path + ": expected " + expected + ", got "
                + (node.isTextual() ? "string " + node : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                + (node.isValueNode() ? " " + node : "")));
    }

    private static boolean isTimestampMillis(Schema schema) {
        LogicalType type = schema.getLogicalType();
        return type instanceof LogicalTypes.TimestampMillis;
    }

    private static Object toAvro(JsonNode node, Schema schema, String path) {
        switch (schema.getType()) {
            case NULL -> {
                if (!node.isNull()) {
                    throw wrong(path, "null", node);
                }
                return null;
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw wrong(path, "true or false", node);
                }
                return node.booleanValue();
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw wrong(path, "an integer (32-bit)", node);
                }
                return node.intValue();
            }
            case LONG -> {
                if (isTimestampMillis(schema) && node.isTextual()) {
                    try {
                        return Instant.parse(node.textValue()).toEpochMilli();
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException(path + ": expected an ISO-8601 instant such as "
                                + "2026-01-31T12:00:00Z (or epoch milliseconds), got \"" + node.textValue() + "\"");
                    }
                }
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw wrong(path, isTimestampMillis(schema) ? "an ISO-8601 instant or epoch milliseconds" : "an integer", node);
                }
                return node.longValue();
            }
            case FLOAT -> {
                return (float) floating(node, path);
            }
            case DOUBLE -> {
                return floating(node, path);
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw wrong(path, "a string", node);
                }
                return node.textValue();
            }
            case BYTES -> {
                return ByteBuffer.wrap(base64(node, path));
            }
            case FIXED -> {
                byte[] bytes = base64(node, path);
                if (bytes.length != schema.getFixedSize()) {
                    throw new IllegalArgumentException(path + ": expected " + schema.getFixedSize() + " bytes (base64), got " + bytes.length);
                }
                return new GenericData.Fixed(schema, bytes);
            }
            case ENUM -> {
                if (!node.isTextual() || !schema.getEnumSymbols().contains(node.textValue())) {
                    throw wrong(path, "one of " + schema.getEnumSymbols(), node);
                }
                return new GenericData.EnumSymbol(schema, node.textValue());
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw wrong(path, "an array", node);
                }
                List<Object> items = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    items.add(toAvro(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(schema, items);
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw wrong(path, "an object", node);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    map.put(entry.getKey(), toAvro(entry.getValue(), schema.getValueType(), path + "." + entry.getKey()));
                }
                return map;
            }
            case RECORD -> {
                return record(node, schema, path);
            }
            case UNION -> {
                return union(node, schema, path);
            }
            default -> throw new IllegalArgumentException(path + ": unsupported Avro type " + schema.getType());
        }
    }

    private static double floating(JsonNode node, String path) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                }
            }
        }
        throw wrong(path, "a number", node);
    }

    private static byte[] base64(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw wrong(path, "a base64 string", node);
        }
        try {
            return Base64.getDecoder().decode(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": not valid base64: " + e.getMessage());
        }
    }

    private static GenericRecord record(JsonNode node, Schema schema, String path) {
        if (!node.isObject()) {
            throw wrong(path, "an object (" + schema.getName() + ")", node);
        }
        GenericData.Record record = new GenericData.Record(schema);
        Set<String> known = new HashSet<>();
        for (Schema.Field field : schema.getFields()) {
            known.add(field.name());
            JsonNode value = node.get(field.name());
            String fieldPath = path + "." + field.name();
            if (value == null) {
                if (!field.hasDefaultValue()) {
                    throw new IllegalArgumentException(fieldPath + ": missing required field (" + field.schema().getType()
                            .getName() + ")");
                }
                record.put(field.pos(), GenericData.get().deepCopy(field.schema(), GenericData.get().getDefaultValue(field)));
            } else {
                record.put(field.pos(), toAvro(value, field.schema(), fieldPath));
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(path + "." + name + ": unknown field; " + schema.getName() + " has "
                        + schema.getFields().stream().map(Schema.Field::name).toList());
            }
        }
        return record;
    }

    private static Object union(JsonNode node, Schema schema, String path) {
        List<String> tried = new ArrayList<>();
        for (Schema branch : schema.getTypes()) {
            if (node.isNull() != (branch.getType() == Schema.Type.NULL)) {
                tried.add(branch.getType().getName());
                continue;
            }
            try {
                return toAvro(node, branch, path);
            } catch (IllegalArgumentException e) {
                if (schema.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).count() == 1) {
                    throw e;
                }
                tried.add(branch.getType().getName());
            }
        }
        throw wrong(path, "one of " + tried, node);
    }

    // ------------------------------------------------------------------------- Avro -> JSON

    private static JsonNode toJsonNode(Object value, Schema schema) {
        switch (schema.getType()) {
            case NULL -> {
                return NODES.nullNode();
            }
            case BOOLEAN -> {
                return NODES.booleanNode((Boolean) value);
            }
            case INT -> {
                return NODES.numberNode((Integer) value);
            }
            case LONG -> {
                long v = (Long) value;
                return isTimestampMillis(schema) ? NODES.textNode(Instant.ofEpochMilli(v).toString()) : NODES.numberNode(v);
            }
            case FLOAT -> {
                float f = (Float) value;
                return Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(Float.toString(f));
            }
            case DOUBLE -> {
                double d = (Double) value;
                return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
            }
            case STRING, ENUM -> {
                return NODES.textNode(value.toString());
            }
            case BYTES -> {
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
            }
            case FIXED -> {
                return NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
            }
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (Iterable<?>) value) {
                    array.add(toJsonNode(item, schema.getElementType()));
                }
                return array;
            }
            case MAP -> {
                ObjectNode object = NODES.objectNode();
                ((Map<?, ?>) value).forEach((k, v) -> object.set(k.toString(), toJsonNode(v, schema.getValueType())));
                return object;
            }
            case RECORD -> {
                ObjectNode object = NODES.objectNode();
                IndexedRecord record = (IndexedRecord) value;
                for (Schema.Field field : schema.getFields()) {
                    object.set(field.name(), toJsonNode(record.get(field.pos()), field.schema()));
                }
                return object;
            }
            case UNION -> {
                int branch = GenericData.get().resolveUnion(schema, value);
                return toJsonNode(value, schema.getTypes().get(branch));
            }
            default -> throw new IllegalArgumentException("unsupported Avro type " + schema.getType());
        }
    }
}
