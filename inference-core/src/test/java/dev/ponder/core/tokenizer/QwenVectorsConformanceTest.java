package dev.ponder.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every line of the shared Qwen reference vectors (produced by an independent port of Hugging Face's
 * tokenizer with Qwen's tokenizer.json) must tokenize, added tokens allowed, to exactly its ids and
 * decode back to the NFC form of its text.
 */
class QwenVectorsConformanceTest {
    private record Vector(int line, String text, int[] ids) {
    }

    private static List<Vector> vectors;

    @BeforeAll
    static void readVectors() throws IOException {
        ObjectMapper json = new ObjectMapper();
        vectors = new ArrayList<>();
        List<String> lines = Files.readAllLines(TestFiles.shared("tokenizer/qwen-tokenizer-vectors.jsonl"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode node = json.readTree(lines.get(i));
            int[] ids = new int[node.get("ids").size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = node.get("ids").get(k).intValue();
            }
            vectors.add(new Vector(i + 1, node.get("text").asText(), ids));
        }
    }

    @Test
    void theFileHasTheExpectedNumberOfVectors() {
        assertThat(vectors).hasSize(474);
    }

    @Test
    void everyVectorEncodesToItsIds() {
        Tokenizer tokenizer = BundledTokenizer.get();
        List<String> failures = new ArrayList<>();
        for (Vector v : vectors) {
            int[] actual = tokenizer.encode(v.text, true);
            if (!Arrays.equals(actual, v.ids)) {
                failures.add("line " + v.line + " " + quote(v.text) + "\n    expected " + Arrays.toString(v.ids)
                        + "\n    actual   " + Arrays.toString(actual));
            }
        }
        assertThat(failures).as("%d of %d vectors mismatch", failures.size(), vectors.size()).isEmpty();
    }

    @Test
    void everyVectorDecodesToItsNfcText() {
        Tokenizer tokenizer = BundledTokenizer.get();
        List<String> failures = new ArrayList<>();
        for (Vector v : vectors) {
            String expected = Normalizer.normalize(v.text, Normalizer.Form.NFC);
            String actual = tokenizer.decode(v.ids);
            if (!actual.equals(expected)) {
                failures.add("line " + v.line + ": expected " + quote(expected) + ", got " + quote(actual));
            }
        }
        assertThat(failures).as("%d of %d vectors mismatch", failures.size(), vectors.size()).isEmpty();
    }

    @Test
    void everyVectorStreamsToItsNfcText() {
        Tokenizer tokenizer = BundledTokenizer.get();
        for (Vector v : vectors) {
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : v.ids) {
                text.append(decoder.feed(id));
            }
            assertThat(decoder.hasPending()).as("line %d left bytes pending", v.line).isFalse();
            assertThat(text.toString()).as("line %d", v.line).isEqualTo(Normalizer.normalize(v.text, Normalizer.Form.NFC));
        }
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
