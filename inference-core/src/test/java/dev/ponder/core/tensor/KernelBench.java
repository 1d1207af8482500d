package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

/**
 * Quick single-thread microbenchmark (not a test): one vector against every row of a weight matrix,
 * with each format's {@code dotRow(batch = 1)} (its fused kernel where it has one) versus plain
 * dequantize-then-dot. Also checks, after JIT warm-up, that both give the same bits.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.ponder.core.tensor.KernelBench [rows] [cols] [formats...]} (defaults 16384 x 2048, every registered format).
 * Each format in its own JVM gives steadier figures: the formats share call sites, and their profiles mix.
 */
public final class KernelBench {
    private KernelBench() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        String[] names = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : WeightFormats.all().stream().map(f -> f.type().name()).toArray(String[]::new);
        System.out.printf("LANES=%d rows=%d cols=%d%n", VectorMath.LANES, rows, cols);
        for (String name : names) {
            run(GgmlType.valueOf(name), rows, cols);
        }
    }

    private static void run(GgmlType type, int rows, int cols) {
        WeightFormat format = WeightFormats.of(type, "bench");
        Random rnd = new Random(7);
        long rowBytes = format.rowBytes(cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(rowBytes * rows, 64);
            byte[] block = FormatFixtures.randomBlocks(type, cols, rnd);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(MemorySegment.ofArray(block), 0, data, r * rowBytes, rowBytes);
            }
            float[] x = FormatFixtures.randomVector(cols, rnd);
            float[] scratch = new float[cols];
            float[] fused = new float[rows];
            float[] plain = new float[rows];
            double bestFused = Double.MAX_VALUE;
            double bestPlain = Double.MAX_VALUE;
            // Enough rounds that both paths are C2-compiled before timing starts.
            int warmup = Math.max(5, 60_000 / rows);
            for (int round = 0; round < warmup + 10; round++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < rows; r++) {
                    format.dotRow(data, r * rowBytes, cols, x, cols, 1, fused, r, 1, scratch);
                }
                long t1 = System.nanoTime();
                for (int r = 0; r < rows; r++) {
                    format.dequantize(data, r * rowBytes, scratch, 0, cols);
                    plain[r] = VectorMath.dotAny(scratch, 0, x, 0, cols);
                }
                long t2 = System.nanoTime();
                if (round >= warmup) {
                    bestFused = Math.min(bestFused, t1 - t0);
                    bestPlain = Math.min(bestPlain, t2 - t1);
                }
            }
            for (int r = 0; r < rows; r++) {
                if (Float.floatToRawIntBits(fused[r]) != Float.floatToRawIntBits(plain[r])) {
                    throw new AssertionError(type + " row " + r + ": fused " + fused[r] + " != " + plain[r]);
                }
            }
            double bytes = (double) rowBytes * rows;
            System.out.printf("%-5s %7.1f MB  dotRow(1) %7.2f ms %6.2f GB/s   dequantize+dot %7.2f ms %6.2f GB/s   x%.2f%n",
                    type, bytes / 1e6, bestFused / 1e6, bytes / bestFused, bestPlain / 1e6, bytes / bestPlain,
                    bestPlain / bestFused);
        }
    }
}
