package dev.ponder.schemas.serde;

import dev.ponder.schemas.registry.RegisteredSchema;
import dev.ponder.schemas.registry.SchemaRegistryClient;
import dev.ponder.schemas.registry.SchemaRegistryClients;
import dev.ponder.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes Avro data in the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro binary), getting the schema id from a schema registry. Interchangeable on the wire and in
 * configuration with Confluent's {@code io.confluent.kafka.serializers.KafkaAvroSerializer}.
 *
 * <p>Accepts specific records (generated classes), generic records, enums, fixed, arrays and
 * primitives. {@code null} serializes to {@code null} (a tombstone).
 *
 * <p>Configuration ({@link #configure}): {@code schema.registry.url} (required unless a client was
 * given), {@code auto.register.schemas}, {@code use.latest.version},
 * {@code key.subject.name.strategy} / {@code value.subject.name.strategy}, and the client's keys
 * ({@code basic.auth.*}, timeouts, TLS: see {@link dev.ponder.schemas.registry.RegistryClientConfig}).
 * Every failure is an {@link AvroSerdeException}.
 *
 * @param <T> the type of the values serialized
 */
public class AvroSerializer<T> implements Serializer<T> {
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private AvroSerdeConfig config;
    private boolean isKey;
    /** Writers by data model (each generated class has its own, with its logical-type conversions) and schema. */
    private final Map<GenericData, Map<Schema, DatumWriter<Object>>> writers = new ConcurrentHashMap<>();
    /** (record schema, latest schema) pairs already checked for use.latest.version. */
    private final Map<Schema, Map<Schema, Boolean>> latestChecked = new ConcurrentHashMap<>();

    /** For Kafka's reflective instantiation: call {@link #configure} before use. */
    public AvroSerializer() {
    }

    /** Uses {@code client} instead of one built from {@code schema.registry.url}; still call {@link #configure}. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** Ready to use: {@code client} with the settings in {@code configs}. */
    public AvroSerializer(SchemaRegistryClient client, Map<String, ?> configs, boolean isKey) {
        this(client);
        init(configs, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        init(configs, isKey);
    }

    private void init(Map<String, ?> configs, boolean isKey) {
        this.config = AvroSerdeConfig.fromConfigs(configs);
        this.isKey = isKey;
        if (client == null) {
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
    }

    /** The registry client in use (after {@link #configure}). */
    public SchemaRegistryClient client() {
        return client;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (config == null || client == null) {
            throw new AvroSerdeException(AvroSerdeException.Kind.CONFIGURATION,
                    "AvroSerializer used before configure(): set schema.registry.url and call configure(configs, isKey)");
        }
        Schema schema = AvroData.schemaOf(data, topic);
        String subject = config.subjectNameStrategy(isKey).subject(topic, isKey, schema);
        Object datum = AvroData.normalize(data);
        Schema writerSchema = schema;
        int id;
        try {
            if (config.useLatestVersion()) {
                RegisteredSchema latest = client.latest(subject);
                id = latest.id();
                if (!latest.schema().equals(schema)) {
                    datum = convert(datum, schema, latest, topic);
                    writerSchema = latest.schema();
                }
            } else if (config.autoRegisterSchemas()) {
                id = client.register(subject, schema);
            } else {
                id = client.lookup(subject, schema).id();
            }
        } catch (SchemaRegistryException e) {
            throw registryFailure(e, topic, subject, schema);
        }
        return encode(topic, id, writerSchema, datum, AvroData.modelOf(datum));
    }

    private AvroSerdeException registryFailure(SchemaRegistryException e, String topic, String subject, Schema schema) {
        String what = "Cannot serialize a " + schema.getFullName() + " for topic '" + topic + "' (subject '" + subject + "'): ";
        String hint = "";
        if (e.isNotFound() && config.useLatestVersion()) {
            hint = " (use.latest.version=true needs a schema registered under the subject)";
        } else if (e.isNotFound()) {
            hint = " (auto.register.schemas=false: the schema must be registered under the subject first)";
        } else if (e.isIncompatible()) {
            hint = " (the schema is incompatible with the subject's earlier versions under its compatibility level)";
        }
        return new AvroSerdeException(AvroSerdeException.Kind.REGISTRY, what + e.getMessage() + hint, e);
    }

    /** Re-expresses {@code datum} (of {@code schema}) in the latest schema by Avro schema resolution. */
    private Object convert(Object datum, Schema schema, RegisteredSchema latest, String topic) {
        Map<Schema, Boolean> checked = latestChecked.computeIfAbsent(schema, s -> new ConcurrentHashMap<>());
        Boolean ok = checked.get(latest.schema());
        if (ok == null) {
            ok = SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema).getType()
                    == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
            checked.put(latest.schema(), ok);
        }
        if (!ok) {
            throw new AvroSerdeException(AvroSerdeException.Kind.INVALID_RECORD,
                    "Cannot serialize a " + schema.getFullName() + " for topic '" + topic + "' with use.latest.version=true: "
                            + "the latest schema of subject '" + latest.subject() + "' (id " + latest.id() + ", version "
                            + latest.version() + ") cannot represent it (it cannot read data of the record's schema)");
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<>(schema, AvroData.modelOf(datum)).write(datum, encoder);
            encoder.flush();
            GenericDatumReader<Object> reader = new GenericDatumReader<>(schema, latest.schema(), GenericData.get());
            return reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException | RuntimeException e) {
            throw invalid(topic, schema, e);
        }
    }

    private byte[] encode(String topic, int id, Schema schema, Object datum, GenericData model) {
        DatumWriter<Object> writer = writers.computeIfAbsent(model, m -> new ConcurrentHashMap<>())
                .computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, model));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw invalid(topic, schema, e);
        }
        return out.toByteArray();
    }

    private static AvroSerdeException invalid(String topic, Schema schema, Exception e) {
        String detail = e instanceof AvroRuntimeException || e instanceof NullPointerException
                || e instanceof ClassCastException ? e.getMessage() : e.toString();
        return new AvroSerdeException(AvroSerdeException.Kind.INVALID_RECORD,
                "Cannot serialize a " + schema.getFullName() + " for topic '" + topic
                        + "': the value does not fit its schema: " + detail, e);
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
