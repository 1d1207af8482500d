package dev.ponder.schemas.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ResponseFormat;
import dev.ponder.schemas.json.RecordJson;
import dev.ponder.schemas.registry.CompatibilityLevel;
import dev.ponder.schemas.registry.MockSchemaRegistry;
import dev.ponder.schemas.serde.AvroDeserializer;
import dev.ponder.schemas.serde.AvroSerializer;
import dev.ponder.schemas.testing.Samples;
import dev.ponder.schemas.testing.Versions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract's rules: documented, namespaced, and evolvable both ways across versions. */
class SchemaContractTest {
    private static final String NAMESPACE = "dev.ponder.schemas.avro";
    private final String scope = "evolution-" + UUID.randomUUID();

    @AfterEach
    void drop() {
        MockSchemaRegistry.dropScope(scope);
    }

    static Stream<Arguments> records() {
        return Stream.of(
                Arguments.of("ReasoningRequest", ReasoningRequest.getClassSchema()),
                Arguments.of("ReasoningRecord", ReasoningRecord.getClassSchema()),
                Arguments.of("AnswerRecord", AnswerRecord.getClassSchema()));
    }

    private static void namedTypes(Schema schema, List<Schema> out, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    out.add(schema);
                    schema.getFields().forEach(f -> namedTypes(f.schema(), out, seen));
                }
            }
            case ENUM, FIXED -> {
                if (seen.add(schema.getFullName())) {
                    out.add(schema);
                }
            }
            case ARRAY -> namedTypes(schema.getElementType(), out, seen);
            case MAP -> namedTypes(schema.getValueType(), out, seen);
            case UNION -> schema.getTypes().forEach(t -> namedTypes(t, out, seen));
            default -> {
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void everyTypeIsNamespacedAndEveryFieldDocumented(String name, Schema schema) {
        assertThat(schema.getName()).isEqualTo(name);
        List<Schema> named = new ArrayList<>();
        namedTypes(schema, named, new HashSet<>());
        assertThat(named).isNotEmpty();
        for (Schema type : named) {
            assertThat(type.getNamespace()).as(type.getName()).isEqualTo(NAMESPACE);
            assertThat(type.getDoc()).as("doc of " + type.getFullName()).isNotBlank();
            if (type.getType() == Schema.Type.RECORD) {
                for (Schema.Field field : type.getFields()) {
                    assertThat(field.doc()).as("doc of " + type.getName() + "." + field.name()).isNotBlank();
                    assertThat(field.name()).as("snake_case").matches("[a-z][a-z0-9_]*");
                    if (field.schema().getType() == Schema.Type.UNION) {
                        assertThat(field.schema().getTypes().getFirst().getType())
                                .as("optional field " + field.name() + " is null-first").isEqualTo(Schema.Type.NULL);
                        assertThat(field.defaultVal()).as("optional field " + field.name() + " defaults to null")
                                .isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
                    }
                }
            }
        }
    }

    private static void assertReads(Schema reader, Schema writer, String what) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType()).as(what + ": " + result.getDescription())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void currentAndPreviousVersionsReadEachOther(String name, Schema current) {
        Schema previous = Versions.schema("previous", name);
        assertReads(current, previous, "BACKWARD: current reads previous");
        assertReads(previous, current, "FORWARD: previous reads current");
        for (Schema.Field field : current.getFields()) {
            if (previous.getField(field.name()) == null) {
                assertThat(field.hasDefaultValue()).as("field " + field.name() + " added since the previous version has a default").isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void currentAndNextVersionsReadEachOther(String name, Schema current) {
        Schema next = Versions.schema("next", name);
        assertReads(next, current, "BACKWARD: next reads current");
        assertReads(current, next, "FORWARD: current reads next");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void eachVersionRegistersUnderBackwardAndFullTransitive(String name, Schema current) {
        MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
        registry.setCompatibility(name + "-full", CompatibilityLevel.FULL_TRANSITIVE);
        for (String subject : List.of(name + "-backward", name + "-full")) {
            registry.register(subject, Versions.schema("previous", name));
            registry.register(subject, current);
            registry.register(subject, Versions.schema("next", name));
            // A record type this version left unchanged registers as the previous version again.
            boolean changed = !Versions.schema("previous", name).equals(new Schema.Parser().parse(current.toString()
                    .replace(",\"avro.java.string\":\"String\"", "")));
            assertThat(registry.latest(subject).version()).isEqualTo(changed ? 3 : 2);
        }
    }

    private <T extends SpecificRecord> T readAsCurrent(String version, String name, Class<T> type) {
        Schema schema = Versions.schema(version, name);
        Object datum = RecordJson.fromJson(Versions.sample(version, name), schema);
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope);
        try (AvroSerializer<Object> producer = new AvroSerializer<>(); AvroDeserializer<T> consumer = new AvroDeserializer<>(null, type)) {
            producer.configure(configs, false);
            consumer.configure(configs, false);
            return consumer.deserialize(version + "-" + name, producer.serialize(version + "-" + name, datum));
        }
    }

    private GenericRecord readAs(String version, String name, SpecificRecord current) {
        Schema schema = Versions.schema(version, name);
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope);
        try (AvroSerializer<Object> producer = new AvroSerializer<>();
             AvroDeserializer<GenericRecord> consumer = new AvroDeserializer<>(null, schema)) {
            producer.configure(configs, false);
            consumer.configure(configs, false);
            GenericRecord read = consumer.deserialize("current-" + name, producer.serialize("current-" + name, current));
            assertThat(read.getSchema()).isEqualTo(schema);
            return read;
        }
    }

    @Test
    void currentConsumersReadPreviousProducersRecords() {
        ReasoningRequest request = readAsCurrent("previous", "ReasoningRequest", ReasoningRequest.class);
        assertThat(request.getRequestId()).isEqualTo("prev-1");
        assertThat(request.getMessages()).hasSize(1);
        assertThat(request.getSampling().getTopK()).isEqualTo(20);
        assertThat(request.getSampling().getMinP()).isNull();
        assertThat(request.getCacheSalt()).isNull();
        assertThat(request.getMetadata()).containsEntry("source", "v0");
        assertThat(request.getTools()).as("a request from before tools existed has none").isNull();
        assertThat(request.getToolChoice()).isNull();
        assertThat(request.getMessages().getFirst().getToolCalls()).isNull();
        assertThat(request.getMessages().getFirst().getToolCallId()).isNull();
        assertThat(request.getResponseFormat()).as("a request from before response formats asks for none").isNull();

        ReasoningRecord reasoning = readAsCurrent("previous", "ReasoningRecord", ReasoningRecord.class);
        assertThat(reasoning.getReasoningTokens()).isEqualTo(14);
        assertThat(reasoning.getMetadata()).isEmpty();

        AnswerRecord answer = readAsCurrent("previous", "AnswerRecord", AnswerRecord.class);
        assertThat(answer.getStatus()).isEqualTo(AnswerStatus.OK);
        assertThat(answer.getUsage().getCachedPromptTokens()).isZero();
        assertThat(answer.getUsage().getAnswerTokens()).isEqualTo(2);
        assertThat(answer.getCompletedAt()).isNull();
        assertThat(answer.getToolCalls()).isNull();
        assertThat(answer.getAnswerFormatOk()).isNull();
    }

    @Test
    void previousConsumersReadCurrentProducersRecords() {
        GenericRecord request = readAs("previous", "ReasoningRequest", Samples.request("c-1"));
        assertThat(request.get("request_id").toString()).isEqualTo("c-1");
        assertThat(((GenericRecord) request.get("sampling")).get("top_k")).isEqualTo(40);
        assertThat(request.get("max_tokens")).isEqualTo(4096);

        GenericRecord withTools = readAs("previous", "ReasoningRequest", Samples.request("c-3"));
        assertThat(withTools.getSchema().getField("tools")).as("the previous reader does not see tools").isNull();
        assertThat(((List<?>) withTools.get("messages"))).hasSize(4);
        ReasoningRequest formatted = Samples.request("c-5");
        formatted.setResponseFormat(ResponseFormat.newBuilder().setType("choice").setChoices(List.of("yes", "no")).build());
        GenericRecord readFormatted = readAs("previous", "ReasoningRequest", formatted);
        assertThat(readFormatted.getSchema().getField("response_format")).as("the previous reader does not see it").isNull();
        assertThat(readFormatted.get("request_id").toString()).isEqualTo("c-5");
        AnswerRecord checked = Samples.answer("c-5");
        checked.setAnswerFormatOk(true);
        assertThat(readAs("previous", "AnswerRecord", checked).get("answer").toString()).isEqualTo("There are three r's.");
        GenericRecord toolAnswer = readAs("previous", "AnswerRecord", Samples.toolCallAnswer("c-4"));
        assertThat(toolAnswer.get("finish_reason").toString()).isEqualTo("tool_calls");

        GenericRecord reasoning = readAs("previous", "ReasoningRecord", Samples.reasoning("c-1"));
        assertThat(reasoning.get("reasoning_tokens")).isEqualTo(27);

        AnswerRecord cancelled = Samples.failedAnswer("c-2");
        cancelled.setStatus(AnswerStatus.CANCELLED);
        GenericRecord answer = readAs("previous", "AnswerRecord", cancelled);
        assertThat(answer.get("status").toString()).isEqualTo("CANCELLED");
        assertThat(answer.get("error").toString()).isEqualTo("request has neither messages nor prompt");
        // (A status that a reader's version lacks falls back to UNKNOWN: see currentConsumersReadNextProducersRecords.)
    }

    @Test
    void currentConsumersReadNextProducersRecords() {
        ReasoningRequest request = readAsCurrent("next", "ReasoningRequest", ReasoningRequest.class);
        assertThat(request.getDeadline()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(request.getSampling().getSeed()).isEqualTo(7L);
        assertThat(request.getResponseFormat().getType()).isEqualTo("json_schema");
        assertThat(request.getResponseFormat().getJsonSchema()).isEqualTo("{\"type\":\"integer\"}");

        ReasoningRecord reasoning = readAsCurrent("next", "ReasoningRecord", ReasoningRecord.class);
        assertThat(reasoning.getMetadata()).containsEntry("k", "v");

        AnswerRecord answer = readAsCurrent("next", "AnswerRecord", AnswerRecord.class);
        assertThat(answer.getStatus()).as("an unknown newer status reads as UNKNOWN").isEqualTo(AnswerStatus.UNKNOWN);
        assertThat(answer.getError()).isEqualTo("over quota");
        assertThat(answer.getUsage().getPromptTokens()).isEqualTo(9);
        assertThat(answer.getTimings().getTotalMs()).isEqualTo(3L);
    }

    @Test
    void nextConsumersReadCurrentProducersRecords() {
        GenericRecord answer = readAs("next", "AnswerRecord", Samples.answer("n-1"));
        assertThat(answer.get("attempts")).isEqualTo(1);
        assertThat(answer.get("answer_format_ok")).isNull();
        assertThat(answer.get("answer").toString()).isEqualTo("There are three r's.");
        GenericRecord request = readAs("next", "ReasoningRequest", Samples.request("n-2"));
        assertThat(request.get("priority")).isEqualTo(0);
        assertThat(request.get("deadline")).isEqualTo(Instant.parse("2026-03-01T12:34:56.789Z").toEpochMilli());
    }
}
