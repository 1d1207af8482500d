package dev.ponder.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.schemas.registry.MockSchemaRegistry;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Byte-exact checks of the Confluent wire format, written out by hand from its specification. */
class WireFormatTest {
    private final String scope = "wire-" + UUID.randomUUID();

    @AfterEach
    void drop() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void magicByteBigEndianIdThenAvroBinary() {
        Schema tiny = SchemaBuilder.record("Tiny").fields().requiredString("s").requiredInt("n").requiredLong("l").endRecord();
        MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
        registry.register("filler-value", Schema.create(Schema.Type.INT));
        assertThat(registry.register("tiny-value", tiny)).isEqualTo(2);
        GenericRecord record = new GenericData.Record(tiny);
        record.put("s", "hi");
        record.put("n", -3);
        record.put("l", 300L);
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope, "auto.register.schemas", "false");
        try (AvroSerializer<Object> serializer = new AvroSerializer<>(); AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
            serializer.configure(configs, false);
            deserializer.configure(configs, false);
            // 00 | 00 00 00 02 | "hi" = len 2 (zigzag 04) 68 69 | -3 (zigzag 05) | 300 (zigzag 600 = d8 04)
            byte[] expected = HexFormat.of().parseHex("0000000002" + "046869" + "05" + "d804");
            assertThat(HexFormat.of().formatHex(serializer.serialize("tiny", record))).isEqualTo(HexFormat.of().formatHex(expected));
            GenericRecord back = (GenericRecord) deserializer.deserialize("tiny", expected);
            assertThat(back.get("s").toString()).isEqualTo("hi");
            assertThat(back.get("n")).isEqualTo(-3);
            assertThat(back.get("l")).isEqualTo(300L);
        }
    }

    @Test
    void schemaIdsAboveTwoToThe24AreBigEndian() {
        byte[] header = new byte[5];
        WireFormat.writeHeader(header, 0x01020304);
        assertThat(header).containsExactly(0, 1, 2, 3, 4);
        assertThat(WireFormat.schemaId(header, "t")).isEqualTo(0x01020304);
    }
}
