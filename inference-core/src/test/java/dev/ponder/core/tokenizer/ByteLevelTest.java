package dev.ponder.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelTest {

    @Test
    void everyByteHasItsOwnPrintableChar() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            assertThat(Character.isWhitespace(c) || Character.isISOControl(c)).as("byte %d -> U+%04X", b, (int) c).isFalse();
            assertThat(seen.add(c)).as("byte %d reuses U+%04X", b, (int) c).isTrue();
            assertThat(ByteLevel.byteOf(c)).isEqualTo(b);
        }
    }

    @Test
    void matchesGpt2Spelling() {
        assertThat(ByteLevel.charOf(' ')).isEqualTo('Ġ');
        assertThat(ByteLevel.charOf('\n')).isEqualTo('Ċ');
        assertThat(ByteLevel.charOf('\t')).isEqualTo('ĉ');
        assertThat(ByteLevel.charOf(0)).isEqualTo('Ā');
        assertThat(ByteLevel.charOf(0x7F)).isEqualTo('ġ');
        assertThat(ByteLevel.charOf(0xAD)).isEqualTo('Ń');
        assertThat(ByteLevel.charOf('A')).isEqualTo('A');
        assertThat(ByteLevel.charOf(0xE9)).isEqualTo('é');
    }

    @Test
    void decodesTokensAndRejectsForeignChars() {
        assertThat(ByteLevel.decode("Ġthe")).containsExactly(' ', 't', 'h', 'e');
        assertThat(ByteLevel.encode(new byte[] {(byte) 0xE4, (byte) 0xBD, (byte) 0xA0})).isEqualTo("ä½ł");
        assertThat(ByteLevel.decode("ä½ł")).containsExactly(0xE4 - 256, 0xBD - 256, 0xA0 - 256);
        assertThat(ByteLevel.decode("<|im_start|>")).isNotNull();
        assertThat(ByteLevel.decode("日本")).isNull();
        assertThat(ByteLevel.byteOf(' ')).isEqualTo(-1);
    }
}
