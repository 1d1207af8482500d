package dev.ponder.core.bench;

import dev.ponder.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Measures encode speed, for a CLI command or BENCHMARKS.md: encodes a text a number of times after a
 * warm-up and reports UTF-8 input megabytes (10^6 bytes) per second. Repeated words hit the tokenizer's
 * piece cache, as they do in real traffic, so use a long and varied text for a fair number.
 */
public final class EncodeThroughput {

    /** The outcome of a run: input size per pass, tokens per pass, passes timed and their total time. */
    public record Result(long bytesPerPass, int tokensPerPass, int passes, long nanos) {
        public double megabytesPerSecond() {
            return nanos == 0 ? Double.POSITIVE_INFINITY : bytesPerPass * (double) passes / nanos * 1e3;
        }

        public double tokensPerSecond() {
            return nanos == 0 ? Double.POSITIVE_INFINITY : tokensPerPass * (double) passes / nanos * 1e9;
        }

        @Override
        public String toString() {
            return String.format("%d passes x %d bytes (%d tokens): %.1f MB/s, %.0f tokens/s",
                    passes, bytesPerPass, tokensPerPass, megabytesPerSecond(), tokensPerSecond());
        }
    }

    public static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(2);

    private EncodeThroughput() {
    }

    /**
     * Encodes {@code text} {@code passes} times, after untimed warm-up passes for at least
     * {@code warmUp} (two seconds lets the JIT compile the hot loops), with added tokens allowed or not.
     * With {@code coldCache} the tokenizer's piece cache is emptied before every pass, which measures
     * text never seen before; otherwise repeated passes are served mostly from the cache.
     */
    public static Result measure(Tokenizer tokenizer, String text, int passes, boolean allowSpecial, boolean coldCache,
                                 Duration warmUp) {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be at least 1, got " + passes);
        }
        int tokens;
        long warmUpEnd = System.nanoTime() + warmUp.toNanos();
        do {
            tokens = tokenizer.encode(text, allowSpecial).length;
        } while (System.nanoTime() < warmUpEnd);
        long nanos = 0;
        for (int i = 0; i < passes; i++) {
            if (coldCache) {
                tokenizer.clearCache();
            }
            long start = System.nanoTime();
            tokens = tokenizer.encode(text, allowSpecial).length;
            nanos += System.nanoTime() - start;
        }
        return new Result(text.getBytes(StandardCharsets.UTF_8).length, tokens, passes, nanos);
    }

    /** {@link #measure(Tokenizer, String, int, boolean, boolean, Duration)} with the default warm-up. */
    public static Result measure(Tokenizer tokenizer, String text, int passes, boolean allowSpecial, boolean coldCache) {
        return measure(tokenizer, text, passes, allowSpecial, coldCache, DEFAULT_WARM_UP);
    }

    /** As above with the cache kept warm between passes. */
    public static Result measure(Tokenizer tokenizer, String text, int passes, boolean allowSpecial) {
        return measure(tokenizer, text, passes, allowSpecial, false, DEFAULT_WARM_UP);
    }
}
