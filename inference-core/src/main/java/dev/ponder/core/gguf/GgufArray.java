package dev.ponder.core.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Objects;

/**
 * An array metadata value. The elements are held in the most compact Java array for the element
 * type: {@code byte[]} (UINT8, INT8), {@code boolean[]} (BOOL), {@code short[]} (UINT16, INT16),
 * {@code int[]} (UINT32, INT32), {@code long[]} (UINT64, INT64), {@code float[]}, {@code double[]},
 * {@code String[]}, or {@code GgufArray[]} for nested arrays. Unsigned values keep their bits.
 */
public record GgufArray(GgufValueType elementType, Object elements) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(elements, "elements");
        Class<?> expected = javaArrayClass(elementType);
        if (elements.getClass() != expected) {
            throw new IllegalArgumentException("a GGUF array of " + elementType + " holds a "
                    + expected.getSimpleName() + ", not a " + elements.getClass().getSimpleName());
        }
    }

    static Class<?> javaArrayClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> byte[].class;
            case BOOL -> boolean[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    public int length() {
        return Array.getLength(elements);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufArray that && elementType == that.elementType
                && Arrays.deepEquals(new Object[] {elements}, new Object[] {that.elements});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {elements});
    }

    @Override
    public String toString() {
        return elementType + "[" + length() + "]";
    }
}
