package dev.ponder.app.demo;

/**
 * What a demo run shows: jobs sent, answers received (each {@code request_id} counted once), answers that
 * are arithmetically right, {@code request_id}s answered more than once (must be 0), records dead-lettered,
 * engine throughput, prefix-cache hit rate (the engine's figure), the prompt tokens and cached prompt tokens the
 * answers report (their ratio is the same rate, measured on the answers' side), and end-to-end latency (produce
 * to answer received).
 */
public record DemoSummary(int jobs, int answered, int correct, int duplicates, int deadLettered,
                          double decodeTokensPerSecond, double prefixCacheHitRate, long promptTokens,
                          long cachedPromptTokens, double p50Ms, double p95Ms, double seconds) {
}
