package dev.ponder.schemas.serde;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde settings, under Confluent's key names (so a configuration written for Confluent's
 * {@code KafkaAvroSerializer} / {@code KafkaAvroDeserializer} works unchanged). The registry
 * client's own keys ({@code schema.registry.url}, {@code basic.auth.*}, timeouts, TLS) are read by
 * {@link dev.ponder.schemas.registry.RegistryClientConfig}.
 *
 * @param autoRegisterSchemas {@code auto.register.schemas} (default true): the serializer registers
 *     the record's schema under the subject; false: the schema must already be registered there
 * @param useLatestVersion {@code use.latest.version} (default false): the serializer writes with the
 *     subject's latest registered schema (converting the record to it) instead of the record's own
 * @param specificAvroReader {@code specific.avro.reader} (default false): the deserializer returns
 *     the generated class of the writer's record instead of a {@code GenericRecord}
 * @param keySubjectNameStrategy {@code key.subject.name.strategy} (default TopicNameStrategy)
 * @param valueSubjectNameStrategy {@code value.subject.name.strategy} (default TopicNameStrategy)
 */
public record AvroSerdeConfig(
        boolean autoRegisterSchemas,
        boolean useLatestVersion,
        boolean specificAvroReader,
        SubjectNameStrategy keySubjectNameStrategy,
        SubjectNameStrategy valueSubjectNameStrategy) {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

    /** Reads the settings from {@code configs}. */
    public static AvroSerdeConfig fromConfigs(Map<String, ?> configs) {
        return new AvroSerdeConfig(
                bool(configs, AUTO_REGISTER_SCHEMAS, true),
                bool(configs, USE_LATEST_VERSION, false),
                bool(configs, SPECIFIC_AVRO_READER, false),
                SubjectNameStrategy.fromConfig(KEY_SUBJECT_NAME_STRATEGY, configs.get(KEY_SUBJECT_NAME_STRATEGY)),
                SubjectNameStrategy.fromConfig(VALUE_SUBJECT_NAME_STRATEGY, configs.get(VALUE_SUBJECT_NAME_STRATEGY)));
    }

    /** The strategy for keys or values. */
    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        return isKey ? keySubjectNameStrategy : valueSubjectNameStrategy;
    }

    static boolean bool(Map<String, ?> configs, String key, boolean defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim();
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ConfigException(key, value, "expected true or false");
    }
}
