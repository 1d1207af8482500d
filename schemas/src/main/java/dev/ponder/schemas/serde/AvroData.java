package dev.ponder.schemas.serde;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Which schema and data model fit a Java value. */
final class AvroData {
    private static final Map<Schema.Type, Schema> PRIMITIVES = new ConcurrentHashMap<>();

    private AvroData() {
    }

    static Schema primitive(Schema.Type type) {
        return PRIMITIVES.computeIfAbsent(type, Schema::create);
    }

    /** The Avro schema of a value the serializer accepts. */
    static Schema schemaOf(Object value, String topic) {
        return switch (value) {
            case GenericContainer container -> container.getSchema();
            case Boolean b -> primitive(Schema.Type.BOOLEAN);
            case Integer i -> primitive(Schema.Type.INT);
            case Long l -> primitive(Schema.Type.LONG);
            case Float f -> primitive(Schema.Type.FLOAT);
            case Double d -> primitive(Schema.Type.DOUBLE);
            case CharSequence s -> primitive(Schema.Type.STRING);
            case byte[] bytes -> primitive(Schema.Type.BYTES);
            case ByteBuffer buffer -> primitive(Schema.Type.BYTES);
            default -> throw new AvroSerdeException(AvroSerdeException.Kind.INVALID_RECORD,
                    "Cannot serialize a " + value.getClass().getName() + " for topic '" + topic
                            + "' with Avro: expected an Avro record (specific or generic), enum, fixed, array, "
                            + "or a primitive (Boolean, Integer, Long, Float, Double, CharSequence, byte[], ByteBuffer)");
        };
    }

    /** The data model that writes {@code value}: its generated class's model for specific records. */
    static GenericData modelOf(Object value) {
        if (value instanceof SpecificRecord) {
            return SpecificData.getForClass(value.getClass());
        }
        return GenericData.get();
    }

    /** The form the writer expects: byte[] becomes a ByteBuffer. */
    static Object normalize(Object value) {
        return value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
    }
}
