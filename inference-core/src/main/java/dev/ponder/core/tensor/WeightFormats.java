package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The formats the engine computes with, looked up by GGML type: the one list that the model, the tests, the test
 * fixtures and the benchmarks take them from. A new format is its class and one line here.
 */
public final class WeightFormats {
    private static final Map<GgmlType, WeightFormat> FORMATS = new EnumMap<>(GgmlType.class);

    static {
        register(new F32Format());
        register(new Q8_0Format());
        register(new F16Format());
        register(new BF16Format());
        register(new Q4_0Format());
        register(new Q4_1Format());
        register(new Q5_0Format());
        register(new Q5_1Format());
        register(new Q4_KFormat());
        register(new Q5_KFormat());
        register(new Q6_KFormat());
    }

    private WeightFormats() {
    }

    private static void register(WeightFormat format) {
        FORMATS.put(format.type(), format);
    }

    /** Every registered format, in the order of their GGML type ids. */
    public static List<WeightFormat> all() {
        return List.copyOf(FORMATS.values());
    }

    public static boolean isSupported(GgmlType type) {
        return FORMATS.containsKey(type);
    }

    /** The format for {@code type}; a clear error naming the tensor when the engine cannot compute with it. */
    public static WeightFormat of(GgmlType type, String tensorName) {
        WeightFormat format = FORMATS.get(type);
        if (format == null) {
            throw new UnsupportedOperationException("tensor '" + tensorName + "' is stored as " + type
                    + ", which the engine cannot compute with; supported: " + FORMATS.keySet());
        }
        return format;
    }
}
