package dev.ponder.core.tensor;

import java.util.function.DoubleSupplier;

/** Writes little-endian float fields into block bytes, for {@link WeightFormat#writeFloatFields}. */
final class FloatFields {
    private FloatFields() {
    }

    static void putHalf(byte[] bytes, int at, double value) {
        putShort(bytes, at, Float.floatToFloat16((float) value));
    }

    /** {@code count} float16 fields side by side from {@code at}, each from {@code values}. */
    static void putHalves(byte[] bytes, int at, DoubleSupplier values, int count) {
        for (int i = 0; i < count; i++) {
            putHalf(bytes, at + 2 * i, values.getAsDouble());
        }
    }

    static void putBFloat16(byte[] bytes, int at, double value) {
        putShort(bytes, at, (short) (Float.floatToRawIntBits((float) value) >>> 16));
    }

    static void putFloat(byte[] bytes, int at, double value) {
        int bits = Float.floatToRawIntBits((float) value);
        putShort(bytes, at, (short) bits);
        putShort(bytes, at + 2, (short) (bits >>> 16));
    }

    private static void putShort(byte[] bytes, int at, short value) {
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >> 8);
    }
}
