package dev.ponder.core.gguf;

import java.util.Objects;

/**
 * One metadata value with its GGUF type. The Java type of {@code value} follows the GGUF type:
 * Byte (UINT8, INT8), Short (UINT16, INT16), Integer (UINT32, INT32), Long (UINT64, INT64), Float,
 * Double, Boolean, String, or {@link GgufArray}. Unsigned values keep their bits; {@link #asLong()}
 * reads them as unsigned.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = javaClass(type);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("a GGUF " + type + " value must be a " + expected.getSimpleName()
                    + ", not a " + value.getClass().getSimpleName());
        }
    }

    private static Class<?> javaClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> Byte.class;
            case UINT16, INT16 -> Short.class;
            case UINT32, INT32 -> Integer.class;
            case UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUInt32(int v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue ofUInt64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray array) {
        return new GgufValue(GgufValueType.ARRAY, array);
    }

    /** An integer value of any width, unsigned types read as unsigned (UINT64 above 2^63-1 is refused). */
    public long asLong() {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedLong((Byte) value);
            case INT8 -> (Byte) value;
            case UINT16 -> Short.toUnsignedLong((Short) value);
            case INT16 -> (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (Integer) value;
            case INT64 -> (Long) value;
            case UINT64 -> {
                long v = (Long) value;
                if (v < 0) {
                    throw new ArithmeticException("UINT64 value " + Long.toUnsignedString(v) + " does not fit a long");
                }
                yield v;
            }
            default -> throw new IllegalStateException("a " + type + " value is not an integer");
        };
    }

    /** A FLOAT32 or FLOAT64 value (integers are converted too). */
    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            default -> asLong();
        };
    }

    @Override
    public String toString() {
        return type == GgufValueType.STRING ? "\"" + value + "\"" : String.valueOf(value);
    }
}
