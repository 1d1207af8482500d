package dev.ponder.core.bench;

import java.util.Locale;

/** The tensor shapes of a Qwen2 model, for writing synthetic models of real sizes. */
public record ModelShape(String name, int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int context,
                         boolean tied) {

    /** Qwen2.5-0.5B: the shape the published llama.cpp figures in BENCHMARKS.md were measured on. */
    public static final ModelShape QWEN2_5_0_5B = new ModelShape("qwen2.5-0.5b", 896, 24, 14, 2, 4864, 151936, 32768, true);
    /** QwQ-32B (Qwen2.5-32B shapes). */
    public static final ModelShape QWQ_32B = new ModelShape("qwq-32b", 5120, 64, 40, 8, 27648, 152064, 131072, false);
    /** A small shape for quick runs and tests. */
    public static final ModelShape TINY = new ModelShape("tiny", 128, 4, 4, 2, 384, 151936, 4096, true);

    public static ModelShape byName(String name) {
        for (ModelShape s : new ModelShape[] {QWEN2_5_0_5B, QWQ_32B, TINY}) {
            if (s.name.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown model shape '" + name + "'; known: qwen2.5-0.5b, qwq-32b, tiny");
    }

    public int headDim() {
        return hidden / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** KV cache bytes per token at float32 (keys and values, all layers). */
    public long kvBytesPerTokenF32() {
        return 2L * layers * kvDim() * Float.BYTES;
    }
}
