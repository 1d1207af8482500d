package dev.ponder.core.tokenizer;

import dev.ponder.core.gguf.GgufArray;
import dev.ponder.core.gguf.GgufMetadata;
import dev.ponder.core.gguf.GgufValue;
import dev.ponder.core.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds small byte-level BPE vocabularies as GGUF metadata, for tests that need exact control over
 * merges, token types and keys. Starts with the 256 single-byte tokens (ids 0..255, in byte order).
 * Tokens and merges are written in byte-level spelling: ASCII letters as themselves, a space as Ġ.
 */
final class TestVocabulary {
    private final List<String> tokens = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final List<String> merges = new ArrayList<>();
    private final Map<String, GgufValue> values = new LinkedHashMap<>();

    TestVocabulary() {
        for (int b = 0; b < 256; b++) {
            token(String.valueOf(ByteLevel.charOf(b)), TokenType.NORMAL);
        }
        values.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
        values.put("tokenizer.ggml.pre", GgufValue.ofString("qwen2"));
    }

    /** Adds a merge rule (rank = order of calls) and, if new, the merged token. */
    TestVocabulary merge(String left, String right) {
        merges.add(left + " " + right);
        if (!tokens.contains(left + right)) {
            token(left + right, TokenType.NORMAL);
        }
        return this;
    }

    /** Adds a token and returns its id. */
    int token(String text, TokenType type) {
        tokens.add(text);
        types.add(type.id());
        return tokens.size() - 1;
    }

    TestVocabulary set(String key, GgufValue value) {
        values.put(key, value);
        return this;
    }

    TestVocabulary remove(String key) {
        values.remove(key);
        return this;
    }

    /** Replaces the merge list as given (no tokens added), for malformed-merge tests. */
    TestVocabulary rawMerges(String... raw) {
        merges.clear();
        merges.addAll(List.of(raw));
        return this;
    }

    GgufMetadata metadata() {
        Map<String, GgufValue> all = new LinkedHashMap<>(values);
        all.putIfAbsent("tokenizer.ggml.tokens", strings(tokens));
        all.putIfAbsent("tokenizer.ggml.merges", strings(merges));
        all.putIfAbsent("tokenizer.ggml.token_type",
                GgufValue.ofArray(new GgufArray(GgufValueType.INT32, types.stream().mapToInt(Integer::intValue).toArray())));
        return new GgufMetadata(all);
    }

    Tokenizer build() {
        return Tokenizer.fromGguf(metadata());
    }

    static GgufValue strings(List<String> list) {
        return GgufValue.ofArray(new GgufArray(GgufValueType.STRING, list.toArray(String[]::new)));
    }
}
