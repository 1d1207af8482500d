package dev.ponder.schemas.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.testing.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class RecordJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, Class<? extends SpecificRecord>> TYPES = Map.of(
            "ReasoningRequest", ReasoningRequest.class,
            "ReasoningRecord", ReasoningRecord.class,
            "AnswerRecord", AnswerRecord.class);

    private record Example(String type, String json) {
    }

    private static List<Example> readmeExamples() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("<!-- example: (\\w+) -->\\s*```json\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<Example> examples = new ArrayList<>();
        while (m.find()) {
            examples.add(new Example(m.group(1), m.group(2)));
        }
        return examples;
    }

    @Test
    void everyReadmeExampleIsAValidRecordAndSurvivesARoundTrip() throws Exception {
        List<Example> examples = readmeExamples();
        assertThat(examples).extracting(Example::type).contains("ReasoningRequest", "ReasoningRecord", "AnswerRecord");
        for (Example example : examples) {
            Class<? extends SpecificRecord> type = TYPES.get(example.type());
            assertThat(type).as(example.type()).isNotNull();
            SpecificRecord record = RecordJson.fromJson(example.json(), type);
            String written = RecordJson.toJson(record);
            assertThat(RecordJson.fromJson(written, type)).isEqualTo(record);
            // every field the example spells out comes back with the same value
            var original = MAPPER.readTree(example.json());
            var back = MAPPER.readTree(written);
            assertSpelledOutFieldsComeBack(original, back, example.type());
        }
    }

    /** Every field the example writes has the same value after the round trip (fields it leaves out may appear). */
    private static void assertSpelledOutFieldsComeBack(com.fasterxml.jackson.databind.JsonNode original,
            com.fasterxml.jackson.databind.JsonNode back, String path) {
        if (original.isObject()) {
            assertThat(back.isObject()).as(path).isTrue();
            original.fieldNames().forEachRemaining(name ->
                    assertSpelledOutFieldsComeBack(original.get(name), back.get(name), path + "." + name));
        } else if (original.isArray()) {
            assertThat(back.size()).as(path).isEqualTo(original.size());
            for (int i = 0; i < original.size(); i++) {
                assertSpelledOutFieldsComeBack(original.get(i), back.get(i), path + "[" + i + "]");
            }
        } else {
            assertThat(back).as(path).isEqualTo(original);
        }
    }

    @Test
    void readmeExamplesSayWhatTheyShow() throws Exception {
        List<Example> examples = readmeExamples();
        ReasoningRequest chat = RecordJson.fromJson(examples.getFirst().json(), ReasoningRequest.class);
        assertThat(chat.getDeadline()).isEqualTo(Instant.parse("2026-03-01T13:00:00Z"));
        assertThat(chat.getSampling().getSeed()).isEqualTo(42L);
        ReasoningRequest minimal = RecordJson.fromJson(examples.get(1).json(), ReasoningRequest.class);
        assertThat(minimal.getMessages()).isEmpty();
        assertThat(minimal.getSampling()).isNull();
        assertThat(minimal.getMetadata()).isEmpty();
        AnswerRecord invalid = RecordJson.fromJson(examples.getLast().json(), AnswerRecord.class);
        assertThat(invalid.getStatus()).isEqualTo(AnswerStatus.INVALID);
        assertThat(invalid.getError()).isNotBlank();
    }

    @Test
    void samplesRoundTripThroughJson() {
        for (SpecificRecord record : List.of(Samples.request("j"), Samples.minimalRequest("k"), Samples.reasoning("l"),
                Samples.answer("m"), Samples.failedAnswer("n"))) {
            String json = RecordJson.toPrettyJson((org.apache.avro.generic.IndexedRecord) record);
            assertThat(RecordJson.fromJson(json, record.getClass())).isEqualTo(record);
        }
        assertThat(RecordJson.toJson(Samples.request("j"))).contains("\"deadline\":\"2026-03-01T12:34:56.789Z\"")
                .contains("\"prompt\":null").contains("\"temperature\":0.6");
    }

    @Test
    void timestampsAcceptEpochMillisToo() {
        ReasoningRequest request = RecordJson.fromJson("{\"request_id\":\"t\",\"prompt\":\"p\",\"deadline\":1700000000123}",
                ReasoningRequest.class);
        assertThat(request.getDeadline()).isEqualTo(Instant.ofEpochMilli(1700000000123L));
    }

    @Test
    void badInputIsRejectedWithTheJsonPath() {
        assertThatThrownBy(() -> RecordJson.fromJson("{\"prompt\":\"p\"}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.request_id: missing required field");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"promt\":\"p\"}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.promt: unknown field");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"max_tokens\":\"many\"}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.max_tokens").hasMessageContaining("integer");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"sampling\":{\"top_k\":1.5}}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.sampling.top_k");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"messages\":[{\"role\":\"user\"}]}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.messages[0].content: missing required field");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"deadline\":\"tomorrow\"}", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.deadline").hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":\"r\",\"status\":\"FINE\"}", AnswerRecord.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.status");
        assertThatThrownBy(() -> RecordJson.fromJson("{\"request_id\":", ReasoningRequest.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Not valid JSON");
    }
}
