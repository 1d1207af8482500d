package dev.ponder.schemas.serde;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * How a serde names the registry subject of a topic's keys or values, as Confluent's strategies of
 * the same names do. Configured by {@code key.subject.name.strategy} /
 * {@code value.subject.name.strategy} with either Confluent's class name
 * ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}) or the simple name.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC_NAME("TopicNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    },
    /** The record's full name, whatever the topic. */
    RECORD_NAME("RecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return fullName(schema);
        }
    },
    /** {@code <topic>-<record full name>}. */
    TOPIC_RECORD_NAME("TopicRecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + "-" + fullName(schema);
        }
    };

    private final String className;

    SubjectNameStrategy(String className) {
        this.className = className;
    }

    /** Confluent's simple class name of this strategy. */
    public String className() {
        return className;
    }

    /** The subject for data of {@code schema} on {@code topic}. */
    public abstract String subject(String topic, boolean isKey, Schema schema);

    private static String fullName(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            default -> throw new AvroSerdeException(AvroSerdeException.Kind.CONFIGURATION,
                    "RecordNameStrategy needs a named Avro type (record, enum, fixed), got " + schema.getType());
        };
    }

    /** The strategy named by a configuration value (a class, a class name or a simple name); null: TOPIC_NAME. */
    public static SubjectNameStrategy fromConfig(String key, Object value) {
        if (value == null) {
            return TOPIC_NAME;
        }
        String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
        if (name.isEmpty()) {
            return TOPIC_NAME;
        }
        String simple = name.substring(name.lastIndexOf('.') + 1);
        for (SubjectNameStrategy strategy : values()) {
            if (strategy.className.equals(simple) || strategy.name().equals(simple)) {
                return strategy;
            }
        }
        throw new ConfigException(key, name, "supported subject name strategies: TopicNameStrategy, "
                + "RecordNameStrategy, TopicRecordNameStrategy");
    }
}
