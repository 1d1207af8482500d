package dev.ponder.core.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The key/value metadata of a GGUF file, in file order, with typed getters that fail with the key's name. */
public final class GgufMetadata {
    private final Map<String, GgufValue> values;

    public GgufMetadata(Map<String, GgufValue> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public GgufValue get(String key) {
        GgufValue value = values.get(key);
        if (value == null) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' is missing");
        }
        return value;
    }

    public String getString(String key) {
        return expect(key, GgufValueType.STRING).value().toString();
    }

    public Optional<String> findString(String key) {
        return find(key).map(v -> expect(key, GgufValueType.STRING).value().toString());
    }

    public long getLong(String key) {
        GgufValue value = get(key);
        if (!value.type().isInteger()) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' is " + value.type() + ", expected an integer");
        }
        return value.asLong();
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' = " + v + " does not fit an int");
        }
        return (int) v;
    }

    public Optional<Long> findLong(String key) {
        return find(key).map(v -> getLong(key));
    }

    public double getDouble(String key) {
        GgufValue value = get(key);
        if (value.type() == GgufValueType.FLOAT32 || value.type() == GgufValueType.FLOAT64 || value.type().isInteger()) {
            return value.asDouble();
        }
        throw new GgufFormatException("GGUF metadata key '" + key + "' is " + value.type() + ", expected a number");
    }

    public Optional<Double> findDouble(String key) {
        return find(key).map(v -> getDouble(key));
    }

    public GgufArray getArray(String key) {
        return (GgufArray) expect(key, GgufValueType.ARRAY).value();
    }

    public String[] getStringArray(String key) {
        GgufArray array = getArray(key);
        if (array.elementType() != GgufValueType.STRING) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' is an array of " + array.elementType()
                    + ", expected strings");
        }
        return (String[]) array.elements();
    }

    /** An array of 32-bit integers (INT32 or UINT32, unsigned keeping its bits). */
    public int[] getIntArray(String key) {
        GgufArray array = getArray(key);
        if (array.elementType() != GgufValueType.INT32 && array.elementType() != GgufValueType.UINT32) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' is an array of " + array.elementType()
                    + ", expected 32-bit integers");
        }
        return (int[]) array.elements();
    }

    private GgufValue expect(String key, GgufValueType type) {
        GgufValue value = get(key);
        if (value.type() != type) {
            throw new GgufFormatException("GGUF metadata key '" + key + "' is " + value.type() + ", expected " + type);
        }
        return value;
    }
}
