package dev.ponder.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.json.RecordJson;
import dev.ponder.schemas.serde.AvroDeserializer;
import dev.ponder.schemas.serde.AvroSerdeException;
import dev.ponder.schemas.serde.AvroSerializer;
import dev.ponder.schemas.serde.GenericAvroSerde;
import dev.ponder.schemas.serde.SpecificAvroSerde;
import dev.ponder.schemas.testing.Samples;
import dev.ponder.schemas.testing.Versions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The serde and registry-client behaviour every registry must give: run against the in-process
 * {@code mock://} registry, a real Apicurio Registry, and Confluent's own registry where Docker exists.
 * Every test uses fresh topics, so one registry serves the whole class.
 */
abstract class RegistryContractTest {
    /** The {@code schema.registry.url} of the registry under test. */
    protected abstract String registryUrl();

    protected Map<String, Object> configs() {
        Map<String, Object> configs = new HashMap<>();
        configs.put("schema.registry.url", registryUrl());
        return configs;
    }

    protected SchemaRegistryClient client;
    protected String topic;

    @BeforeEach
    void setUp() {
        client = SchemaRegistryClients.fromConfigs(configs());
        topic = "t-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private <T extends SpecificRecord> void assertSpecificRoundTrip(Class<T> type, T record) {
        try (SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type)) {
            serde.configure(configs(), false);
            byte[] bytes = serde.serializer().serialize(topic, record);
            assertThat(bytes[0]).isZero();
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            assertThat(client.lookup(topic + "-value", record.getSchema()).id()).isEqualTo(id);
            // The registry holds the published contract (without the generated classes' Java-only string property).
            assertThat(client.getById(id)).isEqualTo(PublishedSchemas.of(record.getSchema()));
            assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(record);
        }
    }

    @Test
    void specificRecordsOfAllThreeTopicsRoundTrip() {
        assertSpecificRoundTrip(ReasoningRequest.class, Samples.request("r-1"));
        topic = topic + "-min";
        assertSpecificRoundTrip(ReasoningRequest.class, Samples.minimalRequest("r-2"));
        topic = topic + "-reasoning";
        assertSpecificRoundTrip(ReasoningRecord.class, Samples.reasoning("r-1"));
        topic = topic + "-answers";
        assertSpecificRoundTrip(AnswerRecord.class, Samples.answer("r-1"));
        topic = topic + "-failed";
        assertSpecificRoundTrip(AnswerRecord.class, Samples.failedAnswer("r-3"));
    }

    @Test
    void specificReaderWithoutTargetClassFindsTheGeneratedClass() {
        Map<String, Object> configs = configs();
        configs.put("specific.avro.reader", "true");
        try (AvroSerializer<Object> serializer = new AvroSerializer<>();
             AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
            serializer.configure(configs, false);
            deserializer.configure(configs, false);
            byte[] bytes = serializer.serialize(topic, Samples.answer("a-9"));
            assertThat(deserializer.deserialize(topic, bytes)).isInstanceOf(AnswerRecord.class).isEqualTo(Samples.answer("a-9"));
        }
    }

    @Test
    void genericRecordsRoundTripAndReadSpecificBytes() {
        try (GenericAvroSerde generic = new GenericAvroSerde();
             SpecificAvroSerde<ReasoningRecord> specific = new SpecificAvroSerde<>(ReasoningRecord.class)) {
            generic.configure(configs(), false);
            specific.configure(configs(), false);
            ReasoningRecord record = Samples.reasoning("g-1");
            GenericRecord read = generic.deserializer().deserialize(topic, specific.serializer().serialize(topic, record));
            assertThat(read.getSchema()).isEqualTo(PublishedSchemas.of(ReasoningRecord.getClassSchema()));
            assertThat(read.get("request_id").toString()).isEqualTo("g-1");
            assertThat(read.get("reasoning_tokens")).isEqualTo(27);

            byte[] again = generic.serializer().serialize(topic, read);
            assertThat(specific.deserializer().deserialize(topic, again)).isEqualTo(record);

            Schema ad = SchemaBuilder.record("AdHoc").namespace("dev.ponder.test").fields()
                    .requiredString("name").optionalLong("count").endRecord();
            GenericRecord adHoc = new GenericData.Record(ad);
            adHoc.put("name", "x");
            adHoc.put("count", 5L);
            String other = topic + "-adhoc";
            GenericRecord back = generic.deserializer().deserialize(other, generic.serializer().serialize(other, adHoc));
            assertThat(back.get("name").toString()).isEqualTo("x");
            assertThat(back.get("count")).isEqualTo(5L);
        }
    }

    @Test
    void keysUseTheKeySubjectAndPrimitivesWork() {
        try (AvroSerializer<Object> keys = new AvroSerializer<>(); AvroDeserializer<Object> keyReader = new AvroDeserializer<>()) {
            keys.configure(configs(), true);
            keyReader.configure(configs(), true);
            byte[] bytes = keys.serialize(topic, "job-17");
            assertThat(keyReader.deserialize(topic, bytes)).isEqualTo("job-17");
            assertThat(client.lookup(topic + "-key", Schema.create(Schema.Type.STRING)).id())
                    .isEqualTo(ByteBuffer.wrap(bytes, 1, 4).getInt());
            assertThatThrownBy(() -> client.lookup(topic + "-value", Schema.create(Schema.Type.STRING)))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isNotFound()).isTrue());
            byte[] raw = keys.serialize(topic + "-bytes", new byte[] {1, 2, 3});
            assertThat((byte[]) keyReader.deserialize(topic + "-bytes", raw)).containsExactly(1, 2, 3);
            assertThat(keyReader.deserialize(topic + "-long", keys.serialize(topic + "-long", 1L << 40))).isEqualTo(1L << 40);
        }
    }

    @Test
    void withoutAutoRegisterTheSchemaMustBeRegisteredFirst() {
        Map<String, Object> configs = configs();
        configs.put("auto.register.schemas", false);
        try (AvroSerializer<ReasoningRecord> serializer = new AvroSerializer<>()) {
            serializer.configure(configs, false);
            ReasoningRecord record = Samples.reasoning("n-1");
            assertThatThrownBy(() -> serializer.serialize(topic, record))
                    .isInstanceOfSatisfying(AvroSerdeException.class, e -> {
                        assertThat(e.kind()).isEqualTo(AvroSerdeException.Kind.REGISTRY);
                        assertThat(e.getMessage()).contains(topic + "-value").contains("404").contains("auto.register.schemas=false");
                    });
            int id = client.register(topic + "-value", ReasoningRecord.getClassSchema());
            assertThat(ByteBuffer.wrap(serializer.serialize(topic, record), 1, 4).getInt()).isEqualTo(id);
        }
    }

    @Test
    void registeringIsIdempotentAndLookupsAgree() {
        String subject = topic + "-value";
        int id = client.register(subject, AnswerRecord.getClassSchema());
        assertThat(client.register(subject, AnswerRecord.getClassSchema())).isEqualTo(id);
        RegisteredSchema found = client.lookup(subject, AnswerRecord.getClassSchema());
        assertThat(found.id()).isEqualTo(id);
        assertThat(found.version()).isEqualTo(1);
        assertThat(client.latest(subject).id()).isEqualTo(id);
        assertThat(PublishedSchemas.of(client.getById(id))).isEqualTo(PublishedSchemas.of(AnswerRecord.getClassSchema()));
        // the same schema under another subject keeps its id
        assertThat(client.register(topic + "-copy-value", AnswerRecord.getClassSchema())).isEqualTo(id);
    }

    /**
     * Another client registers the published .avsc; ponder's generated classes carry a Java-only string property
     * ({@code avro.java.string}) that must not reach the registry: the subject keeps one version.
     */
    @Test
    void thePublishedContractAndTheGeneratedClassesAreOneVersion() throws Exception {
        String subject = topic + "-value";
        Schema published = new Schema.Parser().parse(Files.readString(Path.of("src/main/avro/ReasoningRequest.avsc")));
        assertThat(published.toString()).doesNotContain("avro.java.string");
        assertThat(ReasoningRequest.getClassSchema().toString()).contains("avro.java.string");
        int id = client.register(subject, published);
        try (SchemaRegistryClient ours = SchemaRegistryClients.fromConfigs(configs())) {
            assertThat(ours.register(subject, ReasoningRequest.getClassSchema())).isEqualTo(id);
            assertThat(ours.lookup(subject, ReasoningRequest.getClassSchema()).version()).isEqualTo(1);
        }
        assertThat(client.latest(subject).version()).isEqualTo(1);
    }

    @Test
    void evolutionRegistersUnderBackwardAndReadsBothWays() {
        String subject = topic + "-value";
        Schema previous = Versions.schema("previous", "ReasoningRequest");
        assertThat(client.compatibility(subject)).isEqualTo(CompatibilityLevel.BACKWARD);
        int previousId = client.register(subject, previous);

        assertThat(client.testCompatibility(subject, ReasoningRequest.getClassSchema()).compatible()).isTrue();
        int currentId = client.register(subject, ReasoningRequest.getClassSchema());
        assertThat(currentId).isNotEqualTo(previousId);
        RegisteredSchema latest = client.latest(subject);
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.id()).isEqualTo(currentId);
        assertThat(client.testCompatibility(subject, Versions.schema("next", "ReasoningRequest")).compatible()).isTrue();

        // A producer still on the previous version; a consumer on the current one.
        try (AvroSerializer<Object> oldProducer = new AvroSerializer<>();
             AvroDeserializer<ReasoningRequest> newConsumer = new AvroDeserializer<>(null, ReasoningRequest.class);
             AvroSerializer<Object> newProducer = new AvroSerializer<>();
             AvroDeserializer<GenericRecord> oldConsumer = new AvroDeserializer<>(null, previous)) {
            for (var s : java.util.List.of(oldProducer, newProducer)) {
                s.configure(configs(), false);
            }
            newConsumer.configure(configs(), false);
            oldConsumer.configure(configs(), false);

            Object old = RecordJson.fromJson(Versions.sample("previous", "ReasoningRequest"), previous);
            byte[] oldBytes = oldProducer.serialize(topic, old);
            assertThat(ByteBuffer.wrap(oldBytes, 1, 4).getInt()).isEqualTo(previousId);
            ReasoningRequest read = newConsumer.deserialize(topic, oldBytes);
            assertThat(read.getRequestId()).isEqualTo("prev-1");
            assertThat(read.getSampling().getTemperature()).isEqualTo(0.7f);
            assertThat(read.getSampling().getSeed()).isNull();
            assertThat(read.getDeadline()).isNull();
            assertThat(read.getMaxReasoningTokens()).isNull();

            byte[] newBytes = newProducer.serialize(topic, Samples.request("cur-1"));
            assertThat(ByteBuffer.wrap(newBytes, 1, 4).getInt()).isEqualTo(currentId);
            GenericRecord seenByOld = oldConsumer.deserialize(topic, newBytes);
            assertThat(seenByOld.getSchema()).isEqualTo(previous);
            assertThat(seenByOld.get("request_id").toString()).isEqualTo("cur-1");
            assertThat(seenByOld.get("max_tokens")).isEqualTo(4096);
        }
    }

    /** Records written before tools existed (the previous contract) still deserialize, through the real registry. */
    @Test
    void recordsOfThePreviousContractDeserializeWithTheCurrentOne() {
        for (String name : java.util.List.of("ReasoningRequest", "ReasoningRecord", "AnswerRecord")) {
            String subject = topic + "-" + name;
            Schema previous = Versions.schema("previous", name);
            Class<? extends SpecificRecord> generated = switch (name) {
                case "ReasoningRequest" -> ReasoningRequest.class;
                case "ReasoningRecord" -> ReasoningRecord.class;
                default -> AnswerRecord.class;
            };
            try (AvroSerializer<Object> oldProducer = new AvroSerializer<>();
                 AvroSerializer<Object> newProducer = new AvroSerializer<>();
                 AvroDeserializer<SpecificRecord> newConsumer = new AvroDeserializer<>(null, generated);
                 AvroDeserializer<GenericRecord> oldConsumer = new AvroDeserializer<>(null, previous)) {
                oldProducer.configure(configs(), false);
                newProducer.configure(configs(), false);
                newConsumer.configure(configs(), false);
                oldConsumer.configure(configs(), false);
                byte[] oldBytes = oldProducer.serialize(subject, RecordJson.fromJson(Versions.sample("previous", name), previous));
                Object read = newConsumer.deserialize(subject, oldBytes);
                switch (read) {
                    case ReasoningRequest r -> {
                        assertThat(r.getRequestId()).isEqualTo("prev-1");
                        assertThat(r.getTools()).isNull();
                        assertThat(r.getMessages().getFirst().getToolCalls()).isNull();
                    }
                    case ReasoningRecord r -> assertThat(r.getReasoningTokens()).isEqualTo(14);
                    case AnswerRecord r -> {
                        assertThat(r.getAnswer()).isEqualTo("Yes.");
                        assertThat(r.getToolCalls()).isNull();
                    }
                    default -> throw new AssertionError("unexpected " + read.getClass());
                }
                // And the other way: a consumer still on the previous contract reads a record with tool calls.
                Object current = switch (name) {
                    case "ReasoningRequest" -> Samples.request("cur-2");
                    case "ReasoningRecord" -> Samples.reasoning("cur-2");
                    default -> Samples.toolCallAnswer("cur-2");
                };
                GenericRecord seenByOld = oldConsumer.deserialize(subject, newProducer.serialize(subject, current));
                assertThat(seenByOld.get("request_id").toString()).isEqualTo("cur-2");
            }
        }
    }

    @Test
    void incompatibleSchemasAreRejectedWithTheSubjectAndStatus() {
        String subject = topic + "-value";
        client.register(subject, ReasoningRecord.getClassSchema());
        Schema breaking = SchemaBuilder.record("ReasoningRecord").namespace("dev.ponder.schemas.avro").fields()
                .requiredString("request_id").requiredString("reasoning").requiredInt("reasoning_tokens")
                .requiredString("model").requiredString("mandatory_new_field").endRecord();
        CompatibilityResult verdict = client.testCompatibility(subject, breaking);
        assertThat(verdict.compatible()).isFalse();
        assertThatThrownBy(() -> client.register(subject, breaking))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isIncompatible()).isTrue();
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.subject()).isEqualTo(subject);
                    assertThat(e.getMessage()).contains(subject).contains("409");
                });
        // and the serializer reports it as a registry failure naming topic and subject
        try (AvroSerializer<Object> serializer = new AvroSerializer<>()) {
            serializer.configure(configs(), false);
            GenericRecord record = new GenericData.Record(breaking);
            record.put("request_id", "x");
            record.put("reasoning", "y");
            record.put("reasoning_tokens", 1);
            record.put("model", "m");
            record.put("mandatory_new_field", "z");
            assertThatThrownBy(() -> serializer.serialize(topic, record))
                    .isInstanceOfSatisfying(AvroSerdeException.class, e -> {
                        assertThat(e.kind()).isEqualTo(AvroSerdeException.Kind.REGISTRY);
                        assertThat(e.getMessage()).contains("'" + topic + "'").contains(subject).contains("409");
                    });
        }
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestSchema() {
        String subject = topic + "-value";
        client.register(subject, ReasoningRecord.getClassSchema());
        Schema next = Versions.schema("next", "ReasoningRecord");
        int nextId = client.register(subject, next);
        Map<String, Object> configs = configs();
        configs.put("use.latest.version", "true");
        configs.put("auto.register.schemas", "false");
        try (AvroSerializer<ReasoningRecord> serializer = new AvroSerializer<>();
             AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>();
             AvroDeserializer<ReasoningRecord> specific = new AvroDeserializer<>(null, ReasoningRecord.class)) {
            serializer.configure(configs, false);
            generic.configure(configs(), false);
            specific.configure(configs(), false);
            byte[] bytes = serializer.serialize(topic, Samples.reasoning("l-1"));
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(nextId);
            GenericRecord asWritten = generic.deserialize(topic, bytes);
            assertThat(asWritten.getSchema()).isEqualTo(next);
            assertThat(asWritten.get("budget_exhausted")).isEqualTo(false);
            assertThat(specific.deserialize(topic, bytes)).isEqualTo(Samples.reasoning("l-1"));
        }
    }

    @Test
    void anUnknownSchemaIdIsReportedAsSuch() {
        try (AvroDeserializer<Object> deserializer = new AvroDeserializer<>()) {
            deserializer.configure(configs(), false);
            byte[] bytes = {0, 0x7f, 0x12, 0x34, 0x56, 2, 'h', 'i'};
            assertThatThrownBy(() -> deserializer.deserialize(topic, bytes))
                    .isInstanceOfSatisfying(AvroSerdeException.class, e -> {
                        assertThat(e.kind()).isEqualTo(AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID);
                        assertThat(e.getMessage()).contains("unknown schema id " + 0x7f123456).contains(topic);
                    });
        }
        assertThatThrownBy(() -> client.getById(0x7f123456))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void subjectCompatibilityLevelsCanBeReadAndSet() {
        String subject = topic + "-value";
        client.register(subject, ReasoningRecord.getClassSchema());
        assertThat(client.compatibility(subject)).isEqualTo(CompatibilityLevel.BACKWARD);
        client.setCompatibility(subject, CompatibilityLevel.FULL);
        assertThat(client.compatibility(subject)).isEqualTo(CompatibilityLevel.FULL);
        // FULL also demands that the old schema reads the new one's data: a field removed without default fails
        Schema dropsModel = SchemaBuilder.record("ReasoningRecord").namespace("dev.ponder.schemas.avro").fields()
                .requiredString("request_id").requiredString("reasoning").requiredInt("reasoning_tokens")
                .name("metadata").type().map().values().stringType().mapDefault(Map.of()).endRecord();
        assertThat(client.testCompatibility(subject, dropsModel).compatible()).isFalse();
        assertThat(client.testCompatibility(subject, Versions.schema("next", "ReasoningRecord")).compatible()).isTrue();
    }

    @Test
    void aSubjectWithoutVersionsAcceptsAnySchema() {
        assertThat(client.testCompatibility(topic + "-value", AnswerRecord.getClassSchema()).compatible()).isTrue();
        assertThatThrownBy(() -> client.latest(topic + "-value"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.getMessage()).contains(topic + "-value");
                });
    }
}
