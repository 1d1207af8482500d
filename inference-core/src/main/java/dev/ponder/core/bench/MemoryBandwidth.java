package dev.ponder.core.bench;

import dev.ponder.core.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures how fast the machine streams memory into the cores: the ceiling for single-sequence decode,
 * which reads every weight once per token. Reads a buffer much larger than the caches with the engine's
 * own thread pool and reports the best of several passes.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {
    }

    /** Bytes per second read by {@code parallel}'s threads over a buffer of {@code bytes}. */
    public static double measure(Parallel parallel, long bytes, int passes) {
        long chunk = 1 << 20;
        int chunks = Math.toIntExact(bytes / chunk);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(chunks * chunk, 64);
            buffer.fill((byte) 1);
            long[] sink = new long[parallel.threads()];
            double best = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                parallel.forRange(chunks, 1, (from, to, worker) -> {
                    ByteVector acc = ByteVector.zero(B);
                    for (long off = from * chunk; off < to * chunk; off += B.length()) {
                        acc = acc.add(ByteVector.fromMemorySegment(B, buffer, off, ByteOrder.LITTLE_ENDIAN));
                    }
                    sink[worker] += acc.lane(0);
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, chunks * chunk / seconds);
            }
            if (sink[0] == 42) { // keeps the reads from being optimised away
                System.err.print("");
            }
            return best;
        }
    }
}
