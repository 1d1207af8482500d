package dev.ponder.schemas.serde;

import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;

/**
 * Builds the serdes of the ponder topics, by default this module's {@link SpecificAvroSerde}, or
 * any other {@link Serde} class named in configuration (Confluent's
 * {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}, for one): that is how a
 * deployment switches serde implementation by configuration alone.
 */
public final class AvroSerdes {
    /** Configuration key a service may use to name the serde class; see {@link #create}. */
    public static final String SERDE_CLASS_CONFIG = "serde.class";

    private AvroSerdes() {
    }

    /** This module's serde for {@code type}, configured. */
    public static <T extends SpecificRecord> Serde<T> specific(Class<T> type, Map<String, ?> configs, boolean isKey) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, isKey);
        return serde;
    }

    /**
     * A configured serde of {@code type}: this module's {@link SpecificAvroSerde} when
     * {@code serdeClassName} is null or blank, else an instance of that class (it needs a public
     * no-argument constructor, and should read {@code specific.avro.reader} as Confluent's serdes
     * do), configured with {@code configs} plus {@code specific.avro.reader=true}.
     *
     * @throws ConfigException when the class cannot be loaded, instantiated, or is not a Serde
     */
    public static <T extends SpecificRecord> Serde<T> create(String serdeClassName, Class<T> type,
                                                            Map<String, ?> configs, boolean isKey) {
        if (serdeClassName == null || serdeClassName.isBlank()) {
            return specific(type, configs, isKey);
        }
        String name = serdeClassName.trim();
        Object instance;
        try {
            Class<?> cls = Class.forName(name, true, classLoader());
            if (!Serde.class.isAssignableFrom(cls)) {
                throw new ConfigException(SERDE_CLASS_CONFIG, name, "not an implementation of " + Serde.class.getName());
            }
            if (cls == SpecificAvroSerde.class) {
                return specific(type, configs, isKey);
            }
            instance = cls.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new ConfigException(SERDE_CLASS_CONFIG, name, "class not found on the classpath"
                    + (name.startsWith("io.confluent.") ? " (add Confluent's kafka-streams-avro-serde jar from packages.confluent.io)" : ""));
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new ConfigException(SERDE_CLASS_CONFIG, name, "cannot be instantiated with a public no-argument constructor: " + e);
        }
        @SuppressWarnings("unchecked")
        Serde<T> serde = (Serde<T>) instance;
        Map<String, Object> specific = new HashMap<>(configs);
        specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
        serde.configure(specific, isKey);
        return serde;
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : AvroSerdes.class.getClassLoader();
    }
}
