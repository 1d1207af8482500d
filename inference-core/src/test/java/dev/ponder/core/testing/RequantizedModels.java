package dev.ponder.core.testing;

import dev.ponder.core.gguf.GgmlType;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufTensorInfo;
import dev.ponder.core.gguf.GgufWriter;
import dev.ponder.core.tensor.Quantizer;
import dev.ponder.core.tensor.WeightFormats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;

/** Copies of the shared float32 tiny reasoner with its weights quantized, as llama.cpp's quantize tool mixes them. */
public final class RequantizedModels {
    private RequantizedModels() {
    }

    /**
     * The tiny reasoner with every 2-D weight in {@code type} except the token embedding (also the output
     * matrix), which stays Q8_0 as in llama.cpp's Q4_0 files; norms and biases stay float32.
     */
    public static Path tinyReasoner(GgmlType type, Path dir) throws IOException {
        Path target = dir.resolve("tiny-reasoner-" + type.name().toLowerCase(Locale.ROOT) + ".gguf");
        try (GgufFile source = GgufFile.open(TestFiles.sharedModel("tiny-reasoner-f32.gguf"))) {
            GgufWriter writer = new GgufWriter().putAll(source.metadata());
            writer.putString("general.name", "tiny-reasoner (" + type.name().toLowerCase(Locale.ROOT) + ")");
            for (GgufTensorInfo info : source.tensors()) {
                float[] values = new float[Math.toIntExact(info.elementCount())];
                WeightFormats.of(info.type(), info.name()).dequantizeReference(source.tensorData(info), 0, values, 0,
                        values.length);
                GgmlType to = info.rank() < 2 ? GgmlType.F32
                        : info.name().equals("token_embd.weight") ? GgmlType.Q8_0 : type;
                byte[] bytes = to == GgmlType.F32 ? floatBytes(values) : Quantizer.quantize(to, values, 0, values.length);
                writer.addTensor(info.name(), to, info.dims(), bytes);
            }
            writer.write(target);
        }
        return target;
    }

    private static byte[] floatBytes(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }
}
