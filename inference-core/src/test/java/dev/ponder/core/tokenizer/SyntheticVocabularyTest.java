package dev.ponder.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.gguf.GgufArray;
import dev.ponder.core.gguf.GgufValue;
import dev.ponder.core.gguf.GgufValueType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BPE rules and loading errors, on small vocabularies written for the purpose. */
class SyntheticVocabularyTest {

    private static String[] texts(Tokenizer t, int[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = t.tokenText(ids[i]);
        }
        return out;
    }

    @Test
    void lowerRankMergesFirst() {
        Tokenizer t = new TestVocabulary().merge("b", "c").merge("a", "b").merge("a", "bc").build();
        // "ab" (rank 1) would be possible, but "bc" (rank 0) is applied first, then "a bc".
        assertThat(texts(t, t.encode("abc"))).containsExactly("abc");
        Tokenizer reversed = new TestVocabulary().merge("a", "b").merge("b", "c").merge("a", "bc").build();
        assertThat(texts(reversed, reversed.encode("abc"))).containsExactly("ab", "c");
    }

    @Test
    void mergedTokensNeedNotFollowMergeOrderInTheVocabulary() {
        TestVocabulary vocabulary = new TestVocabulary();
        vocabulary.token("ba", TokenType.NORMAL); // occupies id 256, where "ab" would be expected
        Tokenizer t = vocabulary.merge("a", "b").merge("b", "a").build();
        assertThat(texts(t, t.encode("abba"))).containsExactly("ab", "ba");
        assertThat(t.encode("ba")).containsExactly(256);
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        Tokenizer t = new TestVocabulary().merge("a", "a").build();
        assertThat(texts(t, t.encode("aaa"))).containsExactly("aa", "a");
        assertThat(texts(t, t.encode("aaaaa"))).containsExactly("aa", "aa", "a");
    }

    @Test
    void mergesNeverCrossPieces() {
        Tokenizer t = new TestVocabulary().merge("a", "Ġ").merge("Ġ", "b").build();
        // "a b" splits into "a" and " b": the "a Ġ" merge cannot apply across the boundary.
        assertThat(texts(t, t.encode("a b"))).containsExactly("a", "Ġb");
    }

    @Test
    void multiByteCharactersStartAsBytes() {
        Tokenizer t = new TestVocabulary().build();
        int[] ids = t.encode("é");
        assertThat(texts(t, ids)).containsExactly("Ã", "©"); // 0xC3 0xA9
        assertThat(t.decode(ids)).isEqualTo("é");
    }

    @Test
    void addedTokensPreferTheLongestAtAPosition() {
        TestVocabulary vocabulary = new TestVocabulary();
        int shortId = vocabulary.token("<a>", TokenType.CONTROL);
        int longId = vocabulary.token("<a><b>", TokenType.USER_DEFINED);
        Tokenizer t = vocabulary.build();
        assertThat(t.encode("<a><b><a>", true)).containsExactly(longId, shortId);
        assertThat(t.encode("<a><b><a>", false)).doesNotContain(longId, shortId);
    }

    @Test
    void optionalKeysMayBeAbsent() {
        Tokenizer t = new TestVocabulary().remove("tokenizer.ggml.token_type").build();
        assertThat(t.eosTokenId()).isEmpty();
        assertThat(t.bosTokenId()).isEmpty();
        assertThat(t.paddingTokenId()).isEmpty();
        assertThat(t.addBosToken()).isFalse();
        assertThat(t.tokenType(0)).isEqualTo(TokenType.NORMAL);
        Tokenizer withBos = new TestVocabulary().set("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true))
                .set("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(5)).build();
        assertThat(withBos.addBosToken()).isTrue();
        assertThat(withBos.bosTokenId()).hasValue(5);
    }

    @Test
    void refusesOtherTokenizerModels() {
        assertThatThrownBy(() -> new TestVocabulary().set("tokenizer.ggml.model", GgufValue.ofString("llama")).build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("unsupported tokenizer.ggml.model 'llama': only 'gpt2' (byte-level BPE, as in Qwen2/Qwen3/QwQ) is supported");
        assertThatThrownBy(() -> new TestVocabulary().remove("tokenizer.ggml.model").build())
                .isInstanceOf(TokenizerException.class).hasMessageContaining("'tokenizer.ggml.model' is missing");
    }

    @Test
    void refusesOtherPreTokenizers() {
        assertThatThrownBy(() -> new TestVocabulary().set("tokenizer.ggml.pre", GgufValue.ofString("llama-bpe")).build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("unsupported tokenizer.ggml.pre 'llama-bpe' (supported: qwen2)");
        assertThatThrownBy(() -> new TestVocabulary().remove("tokenizer.ggml.pre").build())
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("'tokenizer.ggml.pre' is missing").hasMessageContaining("supported: qwen2");
    }

    @Test
    void refusesBrokenMerges() {
        TestVocabulary vocabulary = new TestVocabulary();
        vocabulary.token("ab", TokenType.NORMAL);
        assertThatThrownBy(() -> vocabulary.rawMerges("a b", "ab").build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("tokenizer.ggml.merges[1] = 'ab' is not two tokens separated by one space");
        assertThatThrownBy(() -> vocabulary.rawMerges("a b", "a  b").build())
                .isInstanceOf(TokenizerException.class).hasMessageContaining("merges[1] = 'a  b'");
        assertThatThrownBy(() -> vocabulary.rawMerges(" ab").build())
                .isInstanceOf(TokenizerException.class).hasMessageContaining("merges[0]");
        // "ab" was never added as a token.
        assertThatThrownBy(() -> new TestVocabulary().rawMerges("a b").build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("tokenizer.ggml.merges[0] = 'a b' needs token 'ab', which is not in the vocabulary");
    }

    @Test
    void refusesInconsistentTokenTables() {
        assertThatThrownBy(() -> new TestVocabulary().set("tokenizer.ggml.token_type",
                GgufValue.ofArray(new GgufArray(GgufValueType.INT32, new int[] {1, 1}))).build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("tokenizer.ggml.token_type has 2 entries but tokenizer.ggml.tokens has 256");
        TestVocabulary unknownType = new TestVocabulary();
        unknownType.token("x", TokenType.NORMAL);
        int[] types = new int[257];
        java.util.Arrays.fill(types, 1);
        types[256] = 9;
        assertThatThrownBy(() -> unknownType.set("tokenizer.ggml.token_type",
                GgufValue.ofArray(new GgufArray(GgufValueType.INT32, types))).build())
                .isInstanceOf(TokenizerException.class).hasMessageContaining("unknown token type 9");
        assertThatThrownBy(() -> new TestVocabulary().set("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(256)).build())
                .isInstanceOf(TokenizerException.class)
                .hasMessage("tokenizer.ggml.eos_token_id = 256 is outside the vocabulary (0..255)");
    }

    @Test
    void refusesVocabulariesWithoutByteTokens() {
        assertThatThrownBy(() -> new TestVocabulary()
                .set("tokenizer.ggml.tokens", TestVocabulary.strings(List.of("a", "b")))
                .set("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufArray(GgufValueType.INT32, new int[] {1, 1})))
                .build())
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("lacks the byte-level token for byte 0x00");
    }
}
