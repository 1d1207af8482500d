package dev.ponder.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The one exception type the Avro serializer and deserializer throw. It is a Kafka
 * {@link SerializationException}, so consumers and Kafka Streams' deserialization exception
 * handlers treat it as a poison record rather than a crash. {@link #kind()} says what went wrong
 * without parsing the message.
 */
public class AvroSerdeException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The first byte is not the Confluent wire format's magic byte 0. */
        WRONG_MAGIC_BYTE,
        /** Fewer bytes than the header or the record needs. */
        TRUNCATED,
        /** The schema id in the header is not known to the registry. */
        UNKNOWN_SCHEMA_ID,
        /** The bytes do not decode as a record of the writer's schema (or not into the reader's). */
        MISMATCH,
        /** The object to serialize does not fit its schema, or is not an Avro-serializable type. */
        INVALID_RECORD,
        /** The schema registry could not be reached or refused the request. */
        REGISTRY,
        /** The serde is not configured, or configured wrongly. */
        CONFIGURATION
    }

    private final Kind kind;

    public AvroSerdeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public AvroSerdeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
