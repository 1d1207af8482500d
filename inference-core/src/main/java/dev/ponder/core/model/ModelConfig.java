package dev.ponder.core.model;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufMetadata;
import java.util.List;
import java.util.Locale;

/**
 * The hyperparameters of a Qwen2-family model, read from GGUF metadata ({@code qwen2.*} keys).
 *
 * @param vocabSize rows of the embedding matrix (the tokenizer may list fewer tokens)
 * @param tiedOutput true when the file has no {@code output.weight} and the logits use {@code token_embd}
 */
public record ModelConfig(
        String architecture,
        String name,
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int headDim,
        int feedForwardLength,
        int contextLength,
        float rmsEpsilon,
        RopeConfig rope,
        int vocabSize,
        boolean tiedOutput) {

    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("qwen2");

    public static ModelConfig from(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.findString("general.architecture").orElseThrow(() ->
                new UnsupportedModelException(file.path().getFileName() + " has no general.architecture; supported: "
                        + SUPPORTED_ARCHITECTURES));
        if (!SUPPORTED_ARCHITECTURES.contains(arch)) {
            throw new UnsupportedModelException(file.path().getFileName() + " is a '" + arch
                    + "' model; this engine runs " + SUPPORTED_ARCHITECTURES
                    + " (Qwen2, Qwen2.5, QwQ, DeepSeek-R1-Distill-Qwen)");
        }
        int embedding = m.getInt(arch + ".embedding_length");
        int heads = m.getInt(arch + ".attention.head_count");
        int kvHeads = m.findLong(arch + ".attention.head_count_kv").map(Math::toIntExact).orElse(heads);
        int headDim = m.findLong(arch + ".attention.key_length").map(Math::toIntExact).orElse(embedding / heads);
        if (heads % kvHeads != 0) {
            throw new UnsupportedModelException("head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        int context = m.getInt(arch + ".context_length");
        RopeConfig rope = RopeConfig.from(m, arch, headDim);
        int vocab = Math.toIntExact(file.tensor("token_embd.weight").dim(1));
        return new ModelConfig(arch, m.findString("general.name").orElse(file.path().getFileName().toString()),
                embedding, m.getInt(arch + ".block_count"), heads, kvHeads, headDim,
                m.getInt(arch + ".feed_forward_length"), context,
                (float) m.getDouble(arch + ".attention.layer_norm_rms_epsilon"), rope, vocab,
                !file.hasTensor("output.weight"));
    }

    public int queryDim() {
        return headCount * headDim;
    }

    public int kvDim() {
        return headCountKv * headDim;
    }

    /** Query heads per KV head (grouped-query attention). */
    public int groupSize() {
        return headCount / headCountKv;
    }

    public String summary() {
        return String.format(Locale.ROOT, "%s: %d layers, hidden %d, %d heads / %d KV heads of %d, FFN %d, vocab %d, context %d%s",
                architecture, blockCount, embeddingLength, headCount, headCountKv, headDim, feedForwardLength,
                vocabSize, contextLength, tiedOutput ? ", tied output" : "");
    }
}
