package dev.ponder.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.registry.MockSchemaRegistry;
import dev.ponder.schemas.testing.Samples;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Choosing the serde implementation by configuration, subject naming, and mock:// scopes. */
class AvroSerdesTest {
    private final String scope = "serdes-" + UUID.randomUUID();
    private final Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope);

    @AfterEach
    void drop() {
        MockSchemaRegistry.dropScope(scope);
        MockSchemaRegistry.dropScope(scope + "-other");
    }

    /** Any Serde class with a no-argument constructor can be named; it sees the configuration. */
    public static final class RecordingSerde extends Serdes.WrapperSerde<Object> {
        static Map<String, Object> lastConfigs;
        static boolean lastIsKey;

        public RecordingSerde() {
            super((topic, data) -> new byte[] {42}, (topic, data) -> (Object) "decoded");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            lastConfigs = new HashMap<>(configs);
            lastIsKey = isKey;
        }
    }

    @Test
    void defaultIsThisModulesSpecificSerde() {
        for (String name : new String[] {null, " ", SpecificAvroSerde.class.getName()}) {
            try (Serde<AnswerRecord> serde = AvroSerdes.create(name, AnswerRecord.class, configs, false)) {
                assertThat(serde).isInstanceOf(SpecificAvroSerde.class);
                byte[] bytes = serde.serializer().serialize("answers", Samples.answer("x"));
                assertThat(serde.deserializer().deserialize("answers", bytes)).isEqualTo(Samples.answer("x"));
            }
        }
    }

    @Test
    void anotherSerdeClassIsInstantiatedAndConfigured() {
        try (Serde<AnswerRecord> serde = AvroSerdes.create(RecordingSerde.class.getName(), AnswerRecord.class, configs, true)) {
            assertThat(serde).isInstanceOf(RecordingSerde.class);
            assertThat(RecordingSerde.lastConfigs).containsEntry("schema.registry.url", "mock://" + scope)
                    .containsEntry("specific.avro.reader", true);
            assertThat(RecordingSerde.lastIsKey).isTrue();
        }
    }

    @Test
    void unusableSerdeClassesAreConfigurationErrors() {
        assertThatThrownBy(() -> AvroSerdes.create("io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde",
                AnswerRecord.class, configs, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde")
                .hasMessageContaining("kafka-streams-avro-serde");
        assertThatThrownBy(() -> AvroSerdes.create("java.lang.String", AnswerRecord.class, configs, false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not an implementation");
    }

    @Test
    void subjectNameStrategiesAcceptConfluentClassNames() {
        Map<String, Object> recordNamed = new HashMap<>(configs);
        recordNamed.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        recordNamed.put("key.subject.name.strategy", "TopicRecordNameStrategy");
        try (AvroSerializer<Object> values = new AvroSerializer<>(); AvroSerializer<Object> keys = new AvroSerializer<>()) {
            values.configure(recordNamed, false);
            keys.configure(recordNamed, true);
            values.serialize("topic-a", Samples.reasoning("r"));
            keys.serialize("topic-b", Samples.reasoning("r"));
        }
        assertThat(MockSchemaRegistry.forScope(scope).subjects())
                .containsExactly("dev.ponder.schemas.avro.ReasoningRecord", "topic-b-dev.ponder.schemas.avro.ReasoningRecord");
        assertThatThrownBy(() -> SubjectNameStrategy.fromConfig("value.subject.name.strategy", "com.example.Mine"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("com.example.Mine");
        assertThatThrownBy(() -> AvroSerdeConfig.fromConfigs(Map.of("auto.register.schemas", "yes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas");
    }

    @Test
    void mockScopesAreSharedWithinTheJvmAndIsolatedFromEachOther() {
        try (SpecificAvroSerde<ReasoningRecord> producer = new SpecificAvroSerde<>(ReasoningRecord.class);
             SpecificAvroSerde<ReasoningRecord> consumer = new SpecificAvroSerde<>(ReasoningRecord.class);
             SpecificAvroSerde<ReasoningRecord> elsewhere = new SpecificAvroSerde<>(ReasoningRecord.class)) {
            producer.configure(configs, false);
            consumer.configure(Map.of("schema.registry.url", "mock://" + scope + "/"), false);
            elsewhere.configure(Map.of("schema.registry.url", "mock://" + scope + "-other"), false);
            byte[] bytes = producer.serializer().serialize("reasoning", Samples.reasoning("s"));
            assertThat(consumer.deserializer().deserialize("reasoning", bytes)).isEqualTo(Samples.reasoning("s"));
            assertThatThrownBy(() -> elsewhere.deserializer().deserialize("reasoning", bytes))
                    .isInstanceOfSatisfying(AvroSerdeException.class,
                            e -> assertThat(e.kind()).isEqualTo(AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID));
        }
    }
}
