package dev.ponder.schemas.serde;

import dev.ponder.schemas.registry.SchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} of generated Avro classes in the Confluent wire format; the counterpart of
 * Confluent's {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}, configured with the
 * same keys ({@code schema.registry.url}, {@code auto.register.schemas}, {@code use.latest.version},
 * {@code basic.auth.*}, subject name strategies). It reads with {@code specific.avro.reader=true};
 * given a class, it reads every record into that class (resolving older or newer versions of its
 * schema).
 *
 * <pre>{@code
 * var answers = new SpecificAvroSerde<>(AnswerRecord.class);
 * answers.configure(Map.of("schema.registry.url", "http://registry:8081"), false);
 * }</pre>
 *
 * @param <T> the generated class
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    /** For reflective instantiation; reads the generated class named by each writer's schema. */
    public SpecificAvroSerde() {
        this(null, null);
    }

    /** Reads every record into {@code type}. */
    public SpecificAvroSerde(Class<T> type) {
        this(null, type);
    }

    /** Uses {@code client} (null: built from {@code schema.registry.url}) and reads into {@code type} (null: the writer's class). */
    public SpecificAvroSerde(SchemaRegistryClient client, Class<T> type) {
        this.serializer = client == null ? new AvroSerializer<>() : new AvroSerializer<>(client);
        this.deserializer = new AvroDeserializer<>(client, type);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> specific = new HashMap<>(configs);
        specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        serializer.configure(specific, isKey);
        deserializer.configure(specific, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
