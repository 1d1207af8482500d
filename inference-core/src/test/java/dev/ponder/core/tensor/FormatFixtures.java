package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

/** Random blocks for the format tests: random quant bytes with finite, reasonably sized scales. */
final class FormatFixtures {
    /** Every format the engine computes with: the registry's. */
    static final List<GgmlType> TYPES = WeightFormats.all().stream().map(WeightFormat::type).toList();

    private FormatFixtures() {
    }

    /**
     * {@code elements} values of {@code type} (a whole number of blocks) with random contents: random bytes, then
     * each block's float fields (scales, minimums, or the value itself) set to random finite sizes by its format.
     */
    static byte[] randomBlocks(GgmlType type, int elements, Random rnd) {
        WeightFormat format = WeightFormats.of(type, "fixture");
        byte[] bytes = new byte[Math.toIntExact(type.byteSize(elements))];
        rnd.nextBytes(bytes);
        for (int base = 0; base < bytes.length; base += type.bytesPerBlock()) {
            format.writeFloatFields(bytes, base, () -> randomScale(rnd));
        }
        return bytes;
    }

    /** Either sign, magnitudes from 2^-12 to 2 (normal in half precision), sometimes exactly zero. */
    static float randomScale(Random rnd) {
        if (rnd.nextInt(50) == 0) {
            return 0f;
        }
        float magnitude = (float) Math.scalb(1 + rnd.nextDouble(), -12 + rnd.nextInt(13));
        return rnd.nextBoolean() ? magnitude : -magnitude;
    }

    /** Copies {@code bytes} into a native segment at {@code offset} (so loads are unaligned when offset is odd). */
    static MemorySegment nativeCopy(byte[] bytes, int offset, Arena arena) {
        MemorySegment segment = arena.allocate(bytes.length + offset + 16L, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, offset, bytes.length);
        return segment;
    }

    static void putHalf(byte[] b, int at, float v) {
        putShort(b, at, Float.floatToFloat16(v));
    }

    static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    static void putInt(byte[] b, int at, int v) {
        putShort(b, at, (short) v);
        putShort(b, at + 2, (short) (v >>> 16));
    }

    static float[] randomVector(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
