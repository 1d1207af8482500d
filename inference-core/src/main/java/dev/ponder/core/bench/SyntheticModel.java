package dev.ponder.core.bench;

import dev.ponder.core.gguf.GgmlType;
import dev.ponder.core.gguf.GgufArray;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufMetadata;
import dev.ponder.core.gguf.GgufValue;
import dev.ponder.core.gguf.GgufValueType;
import dev.ponder.core.gguf.GgufWriter;
import dev.ponder.core.tensor.WeightFormat;
import dev.ponder.core.tensor.WeightFormats;
import dev.ponder.core.tokenizer.TokenType;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes GGUF files with the exact tensor shapes of a real Qwen2 model and random weights, to measure
 * speed without downloading the model. Quantized blocks are random bytes with sane float16 scales (so
 * every weight is finite and small); norms are 1, biases small. The tokenizer metadata is copied from a
 * real model file so the vocabulary is Qwen's.
 */
public final class SyntheticModel {
    /** Per format, the float-field value that makes synthetic weights about 0.02 in size (see fixScales). */
    private static final Map<GgmlType, Double> FIELD_VALUES = new ConcurrentHashMap<>();
    private SyntheticModel() {
    }

    /** The storage mix of a synthetic file, named as the benchmark reports it. */
    public enum Quant {
        /** Every 2-D weight in Q8_0, token_embd too. */
        Q8_0,
        /** Every 2-D weight in Q4_0 except token_embd in Q8_0. */
        Q4_0,
        /** Q4_K where rows are whole super-blocks (ffn_down for 0.5B), Q5_0 where not (as llama.cpp falls back), token_embd Q8_0. */
        Q4_K;

        GgmlType typeFor(String tensor, int cols) {
            if (tensor.equals("token_embd.weight") || tensor.equals("output.weight")) {
                return GgmlType.Q8_0;
            }
            return switch (this) {
                case Q8_0 -> GgmlType.Q8_0;
                case Q4_0 -> GgmlType.Q4_0;
                case Q4_K -> cols % 256 == 0 ? GgmlType.Q4_K : GgmlType.Q5_0;
            };
        }

        public static Quant parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** The cached file for this shape and quant in {@code dir}, written first if missing. */
    public static Path cached(Path dir, ModelShape shape, Quant quant, Path tokenizerSource) throws IOException {
        Path file = dir.resolve("synthetic-" + shape.name() + "-" + quant.name().toLowerCase(Locale.ROOT) + ".gguf");
        if (!Files.exists(file)) {
            write(file, shape, quant, tokenizerSource, 1234);
        }
        return file;
    }

    public static void write(Path target, ModelShape shape, Quant quant, Path tokenizerSource, long seed) throws IOException {
        GgufWriter w = new GgufWriter();
        String arch = "qwen2";
        w.putString("general.architecture", arch);
        w.putString("general.name", "synthetic " + shape.name() + " " + quant);
        w.putUInt32(arch + ".context_length", shape.context());
        w.putUInt32(arch + ".embedding_length", shape.hidden());
        w.putUInt32(arch + ".block_count", shape.layers());
        w.putUInt32(arch + ".feed_forward_length", shape.ffn());
        w.putUInt32(arch + ".attention.head_count", shape.heads());
        w.putUInt32(arch + ".attention.head_count_kv", shape.kvHeads());
        w.putFloat32(arch + ".rope.freq_base", 1_000_000f);
        w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
        try (GgufFile source = GgufFile.open(tokenizerSource)) {
            GgufMetadata m = source.metadata();
            for (String key : m.keys()) {
                if (key.startsWith("tokenizer.")) {
                    w.put(key, m.get(key));
                }
            }
            padVocabulary(w, m, shape.vocab());
        }
        SplittableRandom random = new SplittableRandom(seed);
        int h = shape.hidden();
        int kv = shape.kvDim();
        matrix(w, quant, "token_embd.weight", h, shape.vocab(), random.split());
        vector(w, "output_norm.weight", h, 1f, null);
        if (!shape.tied()) {
            matrix(w, quant, "output.weight", h, shape.vocab(), random.split());
        }
        for (int l = 0; l < shape.layers(); l++) {
            String p = "blk." + l + ".";
            vector(w, p + "attn_norm.weight", h, 1f, null);
            matrix(w, quant, p + "attn_q.weight", h, h, random.split());
            vector(w, p + "attn_q.bias", h, 0.02f, random.split());
            matrix(w, quant, p + "attn_k.weight", h, kv, random.split());
            vector(w, p + "attn_k.bias", kv, 0.02f, random.split());
            matrix(w, quant, p + "attn_v.weight", h, kv, random.split());
            vector(w, p + "attn_v.bias", kv, 0.02f, random.split());
            matrix(w, quant, p + "attn_output.weight", h, h, random.split());
            vector(w, p + "ffn_norm.weight", h, 1f, null);
            matrix(w, quant, p + "ffn_gate.weight", h, shape.ffn(), random.split());
            matrix(w, quant, p + "ffn_up.weight", h, shape.ffn(), random.split());
            matrix(w, quant, p + "ffn_down.weight", shape.ffn(), h, random.split());
        }
        w.write(target);
    }

    /**
     * Pads the token list to the embedding's rows, as real Qwen files do (QwQ-32B has 152,064 embedding rows for
     * 151,936 tokens; its converter adds unused {@code [PAD<i>]} tokens): llama.cpp refuses a file whose
     * embedding has more rows than the vocabulary has tokens.
     */
    private static void padVocabulary(GgufWriter w, GgufMetadata m, int rows) {
        String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
        if (tokens.length >= rows) {
            return;
        }
        String[] padded = Arrays.copyOf(tokens, rows);
        for (int i = tokens.length; i < rows; i++) {
            padded[i] = "[PAD" + i + "]";
        }
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, padded)));
        if (m.contains("tokenizer.ggml.token_type")) {
            int[] types = m.getIntArray("tokenizer.ggml.token_type");
            int[] paddedTypes = Arrays.copyOf(types, rows);
            Arrays.fill(paddedTypes, types.length, rows, TokenType.UNUSED.id());
            w.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufArray(GgufValueType.INT32, paddedTypes)));
        }
    }

    private static void matrix(GgufWriter w, Quant quant, String name, int cols, int rows, SplittableRandom random) {
        GgmlType type = quant.typeFor(name, cols);
        long rowBytes = type.byteSize(cols);
        w.addTensor(name, type, new long[] {cols, rows}, out -> writeRandomRows(out, type, rowBytes, rows, random));
    }

    /** A 1-D F32 tensor: the constant {@code value}, or uniform in [-value, value] when a random source is given. */
    private static void vector(GgufWriter w, String name, int n, float value, SplittableRandom random) {
        byte[] bytes = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            float v = random == null ? value : (float) ((random.nextDouble() * 2 - 1) * value);
            int bits = Float.floatToIntBits(v);
            for (int b = 0; b < 4; b++) {
                bytes[i * 4 + b] = (byte) (bits >>> (8 * b));
            }
        }
        w.addTensor(name, GgmlType.F32, new long[] {n}, bytes);
    }

    private static void writeRandomRows(OutputStream out, GgmlType type, long rowBytes, int rows, SplittableRandom random)
            throws IOException {
        byte[] row = new byte[Math.toIntExact(rowBytes)];
        for (int r = 0; r < rows; r++) {
            random.nextBytes(row);
            fixScales(type, row);
            out.write(row);
        }
    }

    /**
     * Sets each block's float fields (scales and minimums, through its format) to the one value that gives this
     * format's random blocks weights of about 0.02 root mean square: random bytes there could be NaN or huge.
     */
    private static void fixScales(GgmlType type, byte[] row) {
        WeightFormat format = WeightFormats.of(type, "synthetic");
        double value = FIELD_VALUES.computeIfAbsent(type, t -> fieldValueFor(format));
        for (int base = 0; base < row.length; base += type.bytesPerBlock()) {
            format.writeFloatFields(row, base, () -> value);
        }
    }

    /** Measured on the format's own reference: random blocks with every float field 1, and their weights' size. */
    private static double fieldValueFor(WeightFormat format) {
        int blocks = 64;
        byte[] bytes = new byte[blocks * format.bytesPerBlock()];
        new SplittableRandom(1).nextBytes(bytes);
        for (int base = 0; base < bytes.length; base += format.bytesPerBlock()) {
            format.writeFloatFields(bytes, base, () -> 1.0);
        }
        float[] weights = new float[blocks * format.blockSize()];
        format.dequantizeReference(MemorySegment.ofArray(bytes), 0, weights, 0, weights.length);
        double squares = 0;
        for (float w : weights) {
            squares += w * (double) w;
        }
        return 0.02 / Math.sqrt(squares / weights.length);
    }
}
