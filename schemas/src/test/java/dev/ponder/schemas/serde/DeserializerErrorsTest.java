package dev.ponder.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.registry.MockSchemaRegistry;
import dev.ponder.schemas.testing.Samples;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.util.function.Consumer;

/** Every kind of bad input fails with the serde's own exception, of the right kind, with a precise message. */
class DeserializerErrorsTest {
    private static final String TOPIC = "answers";
    private final String scope = "errors-" + UUID.randomUUID();
    private MockSchemaRegistry registry;
    private AvroSerializer<Object> serializer;
    private AvroDeserializer<Object> generic;
    private AvroDeserializer<AnswerRecord> answers;

    @BeforeEach
    void setUp() {
        registry = MockSchemaRegistry.forScope(scope);
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope);
        serializer = new AvroSerializer<>();
        serializer.configure(configs, false);
        generic = new AvroDeserializer<>();
        generic.configure(configs, false);
        answers = new AvroDeserializer<>(null, AnswerRecord.class);
        answers.configure(configs, false);
    }

    @AfterEach
    void tearDown() {
        MockSchemaRegistry.dropScope(scope);
    }

    private static Consumer<AvroSerdeException> kind(AvroSerdeException.Kind kind, String... fragments) {
        return e -> {
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(fragments);
        };
    }

    private byte[] framed(int id, byte... body) {
        byte[] bytes = new byte[5 + body.length];
        WireFormat.writeHeader(bytes, id);
        System.arraycopy(body, 0, bytes, 5, body.length);
        return bytes;
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertThat(serializer.serialize(TOPIC, null)).isNull();
        assertThat(generic.deserialize(TOPIC, null)).isNull();
    }

    @Test
    void wrongMagicByte() {
        byte[] json = "{\"request_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, json)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.WRONG_MAGIC_BYTE, "wrong magic byte 0x7b", "expected 0x00", TOPIC, "7b 22"));
        byte[] good = serializer.serialize(TOPIC, Samples.answer("a"));
        good[0] = 1;
        assertThatThrownBy(() -> answers.deserialize(TOPIC, good)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.WRONG_MAGIC_BYTE, "0x01"));
    }

    @Test
    void truncatedHeader() {
        assertThatThrownBy(() -> generic.deserialize(TOPIC, new byte[0])).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.TRUNCATED, "empty"));
        assertThatThrownBy(() -> generic.deserialize(TOPIC, new byte[] {0, 0, 1})).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.TRUNCATED, "3 bytes", "header"));
    }

    @Test
    void unknownSchemaId() {
        assertThatThrownBy(() -> generic.deserialize(TOPIC, framed(4242, (byte) 2, (byte) 'o', (byte) 'k')))
                .isInstanceOfSatisfying(AvroSerdeException.class,
                        kind(AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID, "unknown schema id 4242", "mock://" + scope, TOPIC));
    }

    @Test
    void everyTruncationOfAValidRecordIsReportedAsTruncated() {
        byte[] full = serializer.serialize(TOPIC, Samples.request("trunc"));
        assertThat(generic.deserialize(TOPIC, full)).isInstanceOf(GenericRecord.class);
        for (int length = 5; length < full.length; length++) {
            byte[] cut = Arrays.copyOf(full, length);
            assertThatThrownBy(() -> generic.deserialize(TOPIC, cut)).isInstanceOfSatisfying(AvroSerdeException.class,
                    kind(AvroSerdeException.Kind.TRUNCATED, "truncated payload", "ReasoningRequest"));
        }
    }

    @Test
    void hugeLengthsAreRejectedBeforeAnyAllocation() {
        int stringId = registry.register("s-value", Schema.create(Schema.Type.STRING));
        // zigzag varint of 2^31: a 2 GiB string in a 10-byte payload
        byte[] huge = framed(stringId, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x10);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, huge)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.TRUNCATED, "needs 2147483648 bytes"));
        int arrayId = registry.register("a-value", SchemaBuilder.array().items().longType());
        byte[] manyItems = framed(arrayId, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f, (byte) 2);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, manyItems)).isInstanceOfSatisfying(AvroSerdeException.class,
                e -> assertThat(e.getMessage()).contains("array block of 2147483647 items"));
        byte[] negative = framed(stringId, (byte) 0x03);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, negative)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "negative string length -2"));
        byte[] overlong = framed(stringId, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x01);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, overlong)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "malformed varint"));
    }

    @Test
    void payloadsThatDoNotMatchTheSchema() {
        byte[] reasoning = serializer.serialize("reasoning", Samples.reasoning("m"));
        Schema flag = SchemaBuilder.record("Flag").fields().requiredBoolean("flag").endRecord();
        int flagId = registry.register("flag-value", flag);
        byte[] asFlag = reasoning.clone();
        WireFormat.writeHeader(asFlag, flagId);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, asFlag)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "invalid boolean byte", "schema id " + flagId, "Flag"));

        Schema idOnly = SchemaBuilder.record("IdOnly").fields().requiredString("request_id").endRecord();
        int idOnlyId = registry.register("id-value", idOnly);
        byte[] asIdOnly = reasoning.clone();
        WireFormat.writeHeader(asIdOnly, idOnlyId);
        assertThatThrownBy(() -> generic.deserialize(TOPIC, asIdOnly)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "bytes left over after the record"));

        int stringId = registry.register("s-value", Schema.create(Schema.Type.STRING));
        assertThatThrownBy(() -> generic.deserialize(TOPIC, framed(stringId, (byte) 4, (byte) 0xff, (byte) 0xfe)))
                .isInstanceOfSatisfying(AvroSerdeException.class, kind(AvroSerdeException.Kind.MISMATCH, "not valid UTF-8"));
    }

    @Test
    void enumAndUnionIndexesOutOfRange() {
        byte[] answer = serializer.serialize(TOPIC, Samples.answer("e"));
        // request_id "e" = 02 65, then the status enum index
        assertThat(answer[5]).isEqualTo((byte) 2);
        answer[7] = (byte) 0x62; // index 49
        assertThatThrownBy(() -> answers.deserialize(TOPIC, answer)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "AnswerRecord"));
        byte[] again = serializer.serialize(TOPIC, Samples.answer("e"));
        again[8] = (byte) 0x08; // answer union branch 4 of 2
        assertThatThrownBy(() -> generic.deserialize(TOPIC, again)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "does not match"));
    }

    @Test
    void recordsOfAnotherTypeCannotBeReadIntoTheTargetClass() {
        byte[] reasoning = serializer.serialize("reasoning", Samples.reasoning("x"));
        assertThatThrownBy(() -> answers.deserialize("reasoning", reasoning)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.MISMATCH, "cannot be read as dev.ponder.schemas.avro.AnswerRecord",
                        "dev.ponder.schemas.avro.ReasoningRecord"));
    }

    @Test
    void specificReaderNeedsTheGeneratedClass() {
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope, "specific.avro.reader", true);
        try (AvroDeserializer<Object> specific = new AvroDeserializer<>()) {
            specific.configure(configs, false);
            GenericRecord unknown = new GenericData.Record(SchemaBuilder.record("NoSuchClass").namespace("nowhere")
                    .fields().requiredInt("n").endRecord());
            unknown.put("n", 1);
            byte[] bytes = serializer.serialize("x", unknown);
            assertThatThrownBy(() -> specific.deserialize("x", bytes)).isInstanceOfSatisfying(AvroSerdeException.class,
                    kind(AvroSerdeException.Kind.MISMATCH, "no generated class nowhere.NoSuchClass"));
            assertThat(specific.deserialize("y", serializer.serialize("y", Samples.minimalRequest("q"))))
                    .isInstanceOf(ReasoningRequest.class);
        }
    }

    @Test
    void serializerRejectsWhatItCannotWrite() {
        GenericRecord incomplete = new GenericData.Record(ReasoningRecord.getClassSchema());
        incomplete.put("request_id", "r");
        assertThatThrownBy(() -> serializer.serialize(TOPIC, incomplete)).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.INVALID_RECORD, "ReasoningRecord", "reasoning", TOPIC));
        assertThatThrownBy(() -> serializer.serialize(TOPIC, new Date())).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.INVALID_RECORD, "java.util.Date"));
        AvroSerializer<Object> unconfigured = new AvroSerializer<>();
        assertThatThrownBy(() -> unconfigured.serialize(TOPIC, "x")).isInstanceOfSatisfying(AvroSerdeException.class,
                kind(AvroSerdeException.Kind.CONFIGURATION, "configure"));
        AvroDeserializer<Object> unconfiguredReader = new AvroDeserializer<>();
        assertThatThrownBy(() -> unconfiguredReader.deserialize(TOPIC, new byte[] {0, 0, 0, 0, 1}))
                .isInstanceOfSatisfying(AvroSerdeException.class, kind(AvroSerdeException.Kind.CONFIGURATION, "configure"));
    }

    @Test
    void theExceptionIsAKafkaSerializationException() {
        assertThatThrownBy(() -> generic.deserialize(TOPIC, new byte[] {9}))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class);
    }
}
