package dev.ponder.core.engine;

/**
 * A snapshot of the engine for metrics and backpressure. Counters are totals since start; rates can be
 * derived by the caller from two snapshots. {@code inFlight}: requests submitted and not yet answered
 * (running, waiting, or just submitted), what {@link EngineConfig#maxQueued()} bounds.
 */
public record EngineStats(
        int running,
        int waiting,
        int inFlight,
        int capacity,
        int kvBlocksTotal,
        int kvBlocksUsed,
        int kvBlocksCached,
        long kvBytesPerToken,
        double prefixCacheHitRate,
        long steps,
        long stepNanos,
        int lastStepTokens,
        int lastStepSequences,
        long prefillTokens,
        long decodeTokens,
        long completed,
        long preemptions) {

    /** Generated tokens per second of step time so far. */
    public double decodeTokensPerSecond() {
        return stepNanos == 0 ? 0 : decodeTokens / (stepNanos / 1e9);
    }

    /** Prompt tokens processed per second of step time so far. */
    public double prefillTokensPerSecond() {
        return stepNanos == 0 ? 0 : prefillTokens / (stepNanos / 1e9);
    }
}
