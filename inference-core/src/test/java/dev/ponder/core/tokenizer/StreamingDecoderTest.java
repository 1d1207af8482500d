package dev.ponder.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tokenizer = BundledTokenizer.get();

    /** Feeds ids one at a time and returns each call's output. */
    private List<String> stream(StreamingDecoder decoder, int[] ids) {
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.feed(id));
        }
        return chunks;
    }

    @Test
    void holdsBackCharactersSplitAcrossTokens() {
        for (String text : new String[] {"🦜🦩🪿", "👨‍👩‍👧 family", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "龘靐齉", "ꙮ", "犭又鼠"}) {
            int[] ids = tokenizer.encode(text);
            // The point of the case: some token of it is not whole UTF-8 on its own.
            boolean someTokenSplitsACharacter = false;
            for (int id : ids) {
                someTokenSplitsACharacter |= !isWholeUtf8(tokenizer.tokenBytes(id));
            }
            assertThat(someTokenSplitsACharacter).as("a token of %s splits a character", text).isTrue();

            StreamingDecoder decoder = tokenizer.streamingDecoder();
            List<String> chunks = stream(decoder, ids);
            assertThat(chunks).as("chunks of %s", text).noneMatch(c -> c.contains("\uFFFD"));
            assertThat(chunks).anyMatch(String::isEmpty);
            assertThat(String.join("", chunks)).isEqualTo(text);
            assertThat(decoder.hasPending()).isFalse();
            assertThat(decoder.flush()).isEmpty();
        }
    }

    @Test
    void flushReleasesAnUnfinishedCharacterAsReplacement() {
        int[] ids = tokenizer.encode("🦜");
        assertThat(ids.length).isGreaterThan(1);
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        assertThat(decoder.feed(ids[0])).isEmpty();
        assertThat(decoder.hasPending()).isTrue();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.hasPending()).isFalse();
        // The decoder is usable again after a flush.
        assertThat(String.join("", stream(decoder, ids))).isEqualTo("🦜");
    }

    @Test
    void asciiComesOutImmediately() {
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        for (int id : tokenizer.encode("The answer is 42.")) {
            assertThat(decoder.feed(id)).isNotEmpty();
        }
    }

    @Test
    void controlTokensAreTextUnlessSkipped() {
        int[] ids = tokenizer.encode("<|im_start|>assistant\n<think>\n日本</think><|im_end|>", true);
        assertThat(String.join("", stream(tokenizer.streamingDecoder(), ids)))
                .isEqualTo("<|im_start|>assistant\n<think>\n日本</think><|im_end|>");
        assertThat(String.join("", stream(tokenizer.streamingDecoder(true), ids)))
                .isEqualTo("assistant\n<think>\n日本</think>");
    }

    @Test
    void invalidBytesAreReleasedNotStalled() {
        // A lone continuation byte, then ASCII: the broken byte must not hold back what follows.
        int continuation = tokenizer.tokenId(String.valueOf(ByteLevel.charOf(0x80)));
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        assertThat(decoder.feed(continuation)).isEqualTo("\uFFFD");
        assertThat(decoder.feed(tokenizer.tokenId("a"))).isEqualTo("a");
        // A lead byte followed by a byte that cannot continue it.
        int lead = tokenizer.tokenId(String.valueOf(ByteLevel.charOf(0xE6)));
        assertThat(decoder.feed(lead)).isEmpty();
        assertThat(decoder.feed(tokenizer.tokenId("b"))).isEqualTo("\uFFFDb");
    }

    @Test
    void agreesWithWholeDecodingOnRandomIdSequences() {
        Random random = new Random(99);
        for (int round = 0; round < 5_000; round++) {
            int[] ids = new int[random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                // Bias towards byte tokens and other short tokens so that partial characters are common.
                ids[i] = random.nextInt(3) == 0 ? random.nextInt(256) : random.nextInt(tokenizer.vocabSize());
            }
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            String streamed = String.join("", stream(decoder, ids)) + decoder.flush();
            assertThat(streamed).as("ids %s", java.util.Arrays.toString(ids)).isEqualTo(tokenizer.decode(ids));
        }
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        assertThatThrownBy(() -> tokenizer.streamingDecoder().feed(tokenizer.vocabSize()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
    }

    @Test
    void completePrefixLengthFollowsUtf8() {
        assertThat(StreamingDecoder.completePrefixLength(bytes(0x61, 0xE6, 0x97), 3)).isEqualTo(1);
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xE6, 0x97, 0xA5), 3)).isEqualTo(3);
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xF0, 0x9F, 0xA6), 3)).isEqualTo(0);
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xF0, 0x80), 2)).isEqualTo(2); // overlong: never valid
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xED, 0xA0), 2)).isEqualTo(2); // a surrogate
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xC0), 1)).isEqualTo(1);
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xF4, 0x8F, 0xBF), 3)).isEqualTo(0);
        assertThat(StreamingDecoder.completePrefixLength(bytes(0xF4, 0x90), 2)).isEqualTo(2); // above U+10FFFF
    }

    private static boolean isWholeUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
