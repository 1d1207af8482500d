package dev.ponder.core.model;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufTensorInfo;
import dev.ponder.core.tensor.Matrix;
import dev.ponder.core.tensor.WeightFormats;
import java.util.ArrayList;
import java.util.List;

/** The tensors of a Qwen2 model, as views of the memory-mapped GGUF file (norms and biases copied to float arrays). */
public record ModelWeights(Matrix tokenEmbedding, float[] outputNorm, Matrix output, List<Layer> layers) {

    /** One transformer block. */
    public record Layer(float[] attnNorm, Matrix wq, float[] bq, Matrix wk, float[] bk, Matrix wv, float[] bv,
                        Matrix wo, float[] ffnNorm, Matrix gate, Matrix up, Matrix down) {
    }

    public static ModelWeights load(GgufFile file, ModelConfig config) {
        return load(file, config, Matrix.integerPathByDefault());
    }

    /** As {@link #load(GgufFile, ModelConfig)}, with the integer dot products on or off for every matrix. */
    public static ModelWeights load(GgufFile file, ModelConfig config, boolean integerPath) {
        Matrix embedding = Matrix.of(file, "token_embd.weight", integerPath);
        Matrix output = config.tiedOutput() ? embedding : Matrix.of(file, "output.weight", integerPath);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.blockCount(); i++) {
            String p = "blk." + i + ".";
            layers.add(new Layer(
                    vector(file, p + "attn_norm.weight", config.embeddingLength()),
                    Matrix.of(file, p + "attn_q.weight", integerPath), vector(file, p + "attn_q.bias", config.queryDim()),
                    Matrix.of(file, p + "attn_k.weight", integerPath), vector(file, p + "attn_k.bias", config.kvDim()),
                    Matrix.of(file, p + "attn_v.weight", integerPath), vector(file, p + "attn_v.bias", config.kvDim()),
                    Matrix.of(file, p + "attn_output.weight", integerPath),
                    vector(file, p + "ffn_norm.weight", config.embeddingLength()),
                    Matrix.of(file, p + "ffn_gate.weight", integerPath), Matrix.of(file, p + "ffn_up.weight", integerPath),
                    Matrix.of(file, p + "ffn_down.weight", integerPath)));
        }
        ModelWeights weights = new ModelWeights(embedding, vector(file, "output_norm.weight", config.embeddingLength()),
                output, List.copyOf(layers));
        weights.checkShapes(config);
        return weights;
    }

    /** A 1-D tensor (norm weight or bias) as floats, in whatever format the file stores it. */
    private static float[] vector(GgufFile file, String name, int expectedLength) {
        GgufTensorInfo info = file.tensor(name);
        if (info.elementCount() != expectedLength) {
            throw new UnsupportedModelException("tensor '" + name + "' has " + info.elementCount() + " elements, expected "
                    + expectedLength);
        }
        float[] out = new float[expectedLength];
        WeightFormats.of(info.type(), name).dequantizeReference(file.tensorData(info), 0, out, 0, expectedLength);
        return out;
    }

    private void checkShapes(ModelConfig c) {
        expect(tokenEmbedding, c.vocabSize(), c.embeddingLength());
        expect(output, c.vocabSize(), c.embeddingLength());
        for (Layer l : layers) {
            expect(l.wq, c.queryDim(), c.embeddingLength());
            expect(l.wk, c.kvDim(), c.embeddingLength());
            expect(l.wv, c.kvDim(), c.embeddingLength());
            expect(l.wo, c.embeddingLength(), c.queryDim());
            expect(l.gate, c.feedForwardLength(), c.embeddingLength());
            expect(l.up, c.feedForwardLength(), c.embeddingLength());
            expect(l.down, c.embeddingLength(), c.feedForwardLength());
        }
    }

    private static void expect(Matrix m, int rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new UnsupportedModelException("tensor '" + m.name() + "' is " + m.rows() + "x" + m.cols()
                    + ", expected " + rows + "x" + cols + " from the hyperparameters");
        }
    }

    /** Bytes of weights read for one token (every matrix once; the output matrix counted once even when tied). */
    public long bytesPerToken() {
        long total = output.data().byteSize();
        for (Layer l : layers) {
            for (Matrix m : List.of(l.wq, l.wk, l.wv, l.wo, l.gate, l.up, l.down)) {
                total += m.data().byteSize();
            }
        }
        return total;
    }
}
