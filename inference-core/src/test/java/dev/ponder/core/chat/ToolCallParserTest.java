package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.chat.ToolCallParser.ParsedAnswer;
import dev.ponder.core.chat.ToolCallParser.ParsedCall;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    private static final List<String> OFFERED = List.of("get_current_temperature", "get_temperature_date");

    /**
     * The answer part of a QwQ / Qwen2.5 generation that calls two functions at once, in the format of the Qwen
     * function-calling guide's example (the text after {@code </think>}, as the engine's reasoning split leaves it).
     */
    private static final String QWQ_ANSWER = """
            

            <tool_call>
            {"name": "get_current_temperature", "arguments": {"location": "San Francisco, CA, USA"}}
            </tool_call>
            <tool_call>
            {"name": "get_temperature_date", "arguments": {"location": "San Francisco, CA, USA", "date": "2024-10-01", "unit": "celsius"}}
            </tool_call>""";

    @Test
    void parsesParallelCallsInQwqFormat() {
        ParsedAnswer parsed = ToolCallParser.parse(QWQ_ANSWER, OFFERED, "job-7");

        assertThat(parsed.text()).isEmpty();
        assertThat(parsed.errors()).isEmpty();
        assertThat(parsed.calls()).containsExactly(
                new ParsedCall("job-7-call-1", "get_current_temperature", "{\"location\": \"San Francisco, CA, USA\"}", null),
                new ParsedCall("job-7-call-2", "get_temperature_date",
                        "{\"location\": \"San Francisco, CA, USA\", \"date\": \"2024-10-01\", \"unit\": \"celsius\"}", null));
    }

    @Test
    void textAroundTheCallsIsTheAnswerText() {
        ParsedAnswer parsed = ToolCallParser.parse("Let me check.\n<tool_call>\n{\"name\": \"get_current_temperature\", "
                + "\"arguments\": {\"location\": \"Zürich\"}}\n</tool_call>\nOne moment.", OFFERED, "r");
        assertThat(parsed.text()).isEqualTo("Let me check.\n\nOne moment.");
        assertThat(parsed.calls()).singleElement().extracting(ParsedCall::arguments).isEqualTo("{\"location\": \"Zürich\"}");
    }

    @Test
    void anAnswerWithoutCallsIsLeftAsItIs() {
        ParsedAnswer parsed = ToolCallParser.parse("  It is 21 °C.\n", OFFERED, "r");
        assertThat(parsed.hasCalls()).isFalse();
        assertThat(parsed.text()).isEqualTo("It is 21 °C.");
    }

    @Test
    void argumentsWrittenAsAJsonStringAreAccepted() {
        ParsedAnswer parsed = ToolCallParser.parse("<tool_call>{\"name\": \"get_current_temperature\", \"arguments\": "
                + "\"{\\\"location\\\": \\\"Oslo\\\"}\"}</tool_call>", OFFERED, "r");
        assertThat(parsed.calls()).singleElement().isEqualTo(new ParsedCall("r-call-1", "get_current_temperature",
                "{\"location\": \"Oslo\"}", null));
    }

    @Test
    void badCallsAreReportedNotDropped() {
        ParsedAnswer parsed = ToolCallParser.parse("""
                <tool_call>
                {"name": "get_current_temperature", "arguments": {"location": "Paris"
                </tool_call>
                <tool_call>
                {"name": "launch_rocket", "arguments": {"target": "moon"}}
                </tool_call>
                <tool_call>
                {"arguments": {}}
                </tool_call>
                <tool_call>
                {"name": "get_current_temperature", "arguments": {"loc""", OFFERED, "r");

        assertThat(parsed.calls()).hasSize(4);
        assertThat(parsed.calls().get(0).error()).contains("tool call 1 is not valid JSON");
        assertThat(parsed.calls().get(0).arguments()).isEqualTo(
                "{\"name\": \"get_current_temperature\", \"arguments\": {\"location\": \"Paris\"");
        assertThat(parsed.calls().get(1)).isEqualTo(new ParsedCall("r-call-2", "launch_rocket", "{\"target\": \"moon\"}",
                "tool call 2 names the function 'launch_rocket', which the request did not offer (offered: "
                        + "get_current_temperature, get_temperature_date)"));
        assertThat(parsed.calls().get(2).error()).contains("no function name");
        assertThat(parsed.calls().get(3).error()).contains("not closed");
        assertThat(parsed.errors()).hasSize(4);
    }
}
