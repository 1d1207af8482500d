package dev.ponder.core.engine;

import dev.ponder.core.model.KvCache;
import java.util.Objects;

/**
 * Engine settings.
 *
 * @param threads            compute threads (matrix rows and attention heads are split over them)
 * @param maxRunning         most sequences decoding together (the batch size of a decode step)
 * @param maxQueued          most requests in flight (running and waiting); beyond it {@link Engine#capacity()} is 0
 * @param maxStepTokens      per-step token budget: decode tokens first, then prefill chunks up to this total
 * @param kvBlockSize        tokens per KV block
 * @param kvBudgetBytes      bytes of KV cache (keys and values); sets the number of blocks
 * @param kvPrecision        F16 (the default: half the bytes, and faster to attend over than F32), or F32
 * @param repetitionWindow   the repetition guard ends a sequence whose last tokens are one span of at most this
 *                           length repeated (0 turns the guard off)
 * @param repetitionMinTokens the repeated tail must cover at least this many tokens
 */
public record EngineConfig(int threads, int maxRunning, int maxQueued, int maxStepTokens, int kvBlockSize,
                           long kvBudgetBytes, KvCache.Precision kvPrecision, int repetitionWindow,
                           int repetitionMinTokens) {

    public EngineConfig {
        positive("threads", threads);
        positive("maxRunning", maxRunning);
        positive("maxQueued", maxQueued);
        positive("maxStepTokens", maxStepTokens);
        positive("kvBlockSize", kvBlockSize);
        Objects.requireNonNull(kvPrecision, "kvPrecision");
        if (kvBudgetBytes <= 0) {
            throw new IllegalArgumentException("kvBudgetBytes must be positive");
        }
        if (maxStepTokens < maxRunning) {
            throw new IllegalArgumentException("maxStepTokens (" + maxStepTokens + ") must cover one decode token for each of "
                    + maxRunning + " running sequences");
        }
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, not " + value);
        }
    }

    /** Defaults for this machine: all cores, 32 running, 256 in flight, 512-token steps, 16-token blocks, 1 GiB of float32 KV. */
    public static EngineConfig defaults() {
        return new EngineConfig(Runtime.getRuntime().availableProcessors(), 32, 256, 512, 16, 1L << 30, KvCache.Precision.F16, 64, 96);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(n, maxRunning, maxQueued, maxStepTokens, kvBlockSize, kvBudgetBytes, kvPrecision, repetitionWindow,
                repetitionMinTokens);
    }

    public EngineConfig withMaxRunning(int n) {
        return new EngineConfig(threads, n, Math.max(maxQueued, n), Math.max(maxStepTokens, n), kvBlockSize, kvBudgetBytes,
                kvPrecision, repetitionWindow, repetitionMinTokens);
    }

    public EngineConfig withMaxQueued(int n) {
        return new EngineConfig(threads, maxRunning, n, maxStepTokens, kvBlockSize, kvBudgetBytes, kvPrecision, repetitionWindow,
                repetitionMinTokens);
    }

    public EngineConfig withMaxStepTokens(int n) {
        return new EngineConfig(threads, maxRunning, maxQueued, n, kvBlockSize, kvBudgetBytes, kvPrecision, repetitionWindow,
                repetitionMinTokens);
    }

    public EngineConfig withKv(int blockSize, long budgetBytes) {
        return new EngineConfig(threads, maxRunning, maxQueued, maxStepTokens, blockSize, budgetBytes, kvPrecision, repetitionWindow,
                repetitionMinTokens);
    }

    public EngineConfig withKvPrecision(KvCache.Precision precision) {
        return new EngineConfig(threads, maxRunning, maxQueued, maxStepTokens, kvBlockSize, kvBudgetBytes, precision,
                repetitionWindow, repetitionMinTokens);
    }

    public EngineConfig withRepetitionGuard(int window, int minTokens) {
        return new EngineConfig(threads, maxRunning, maxQueued, maxStepTokens, kvBlockSize, kvBudgetBytes, kvPrecision, window, minTokens);
    }
}
