package dev.ponder.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EncodeThroughputTest {

    @Test
    void reportsSizesAndRates() throws Exception {
        Tokenizer tokenizer;
        try (GgufFile model = GgufFile.open(TestFiles.bundledModel())) {
            tokenizer = Tokenizer.fromGguf(model.metadata());
        }
        String text = "What is 47 + 38? Let me think: 47 + 38 = 85. 日本語も少し。\n";
        EncodeThroughput.Result result = EncodeThroughput.measure(tokenizer, text, 20, false, true, Duration.ZERO);
        assertThat(result.passes()).isEqualTo(20);
        assertThat(result.bytesPerPass()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(result.tokensPerPass()).isEqualTo(tokenizer.encode(text).length);
        assertThat(result.megabytesPerSecond()).isPositive();
        assertThat(result.toString()).contains("MB/s", "20 passes");
        EncodeThroughput.Result special = EncodeThroughput.measure(tokenizer, "<think>" + text, 3, true, false, Duration.ZERO);
        assertThat(special.tokensPerPass()).isEqualTo(result.tokensPerPass() + 1);
        assertThatThrownBy(() -> EncodeThroughput.measure(tokenizer, text, 0, false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
