package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Python str semantics (expected values are what CPython returns), checked through real template renders. */
class PythonStringMethodsTest {

    private static String render(String expression, String content) {
        ChatTemplate template = ChatTemplate.of("expression test", "{{ " + expression + " }}", null, null);
        return template.render(List.of(ChatMessage.user(content)), false).text();
    }

    private static List<String> texts(List<MarkedText> parts) {
        return parts.stream().map(MarkedText::text).toList();
    }

    @Test
    void splitKeepsEmptyPartsAndTreatsTheSeparatorLiterally() {
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("a,b,,c,"), ",", -1)))
                .containsExactly("a", "b", "", "c", "");
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("1.5.2"), ".", -1))).containsExactly("1", "5", "2");
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("a,b,c"), ",", 1))).containsExactly("a", "b,c");
        assertThatThrownBy(() -> PythonStringMethods.split(MarkedText.trusted("abc"), "", -1))
                .hasMessageContaining("empty separator");
    }

    @Test
    void splitWithoutSeparatorUsesRunsOfWhitespace() {
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("  a \t b\n c  "), null, -1)))
                .containsExactly("a", "b", "c");
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("  a b  c  "), null, 1)))
                .containsExactly("a", "b  c  ");
        assertThat(texts(PythonStringMethods.rsplit(MarkedText.trusted("  a b  c  "), null, 1)))
                .containsExactly("  a b", "c");
        assertThat(texts(PythonStringMethods.split(MarkedText.trusted("   "), null, -1))).isEmpty();
    }

    @Test
    void rsplitCutsFromTheRight() {
        assertThat(texts(PythonStringMethods.rsplit(MarkedText.trusted("a/b/c"), "/", 1))).containsExactly("a/b", "c");
        assertThat(texts(PythonStringMethods.rsplit(MarkedText.trusted("a//b"), "/", -1))).containsExactly("a", "", "b");
        assertThat(texts(PythonStringMethods.rsplit(MarkedText.trusted("aaa"), "aa", 1))).containsExactly("a", "");
    }

    @Test
    void stripFamilyTakesASetOfCharacters() {
        assertThat(PythonStringMethods.strip(MarkedText.trusted("\n\nx\n"), "\n", true, false).text()).isEqualTo("x\n");
        assertThat(PythonStringMethods.strip(MarkedText.trusted("\n\nx\n"), "\n", false, true).text()).isEqualTo("\n\nx");
        assertThat(PythonStringMethods.strip(MarkedText.trusted("xyhixy"), "yx", true, true).text()).isEqualTo("hi");
        assertThat(PythonStringMethods.strip(MarkedText.trusted("\u00a0 hi\t\n"), null, true, true).text())
                .isEqualTo("hi");
    }

    @Test
    void methodsWorkInsideTemplates() {
        assertThat(render("messages[0].content.split('</think>')[-1].lstrip('\\n')", "a</think>\n\nb"))
                .isEqualTo("b");
        assertThat(render("messages[0].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n')",
                "<think>\nr\n</think>\n\nb")).isEqualTo("r");
        assertThat(render("messages[0].content.strip()", "  x  ")).isEqualTo("x");
        assertThat(render("messages[0].content.startswith(('a', 'x'))", "xyz")).isEqualTo("True"); // Python prints booleans capitalised
        assertThat(render("messages[0].content.endswith('</tool_response>')", "<tool_response>1</tool_response>"))
                .isEqualTo("True"); // Python prints booleans capitalised
        assertThat(render("messages[0].content.upper() ~ '|' ~ 'ABC'.lower()", "straße")).isEqualTo("STRASSE|abc");
        assertThat(render("messages[0].content.replace('a', 'o', 2)", "banana")).isEqualTo("bonona");
        assertThat(render("messages[0].content.find('n') ~ ',' ~ messages[0].content.count('a')", "banana"))
                .isEqualTo("2,3");
        assertThat(render("', '.join(messages[0].content.split())", "a b c")).isEqualTo("a, b, c");
        assertThat(render("messages[0].content[::-1]", "abc")).isEqualTo("cba");
        assertThat(render("'literal'.startswith('lit')", "x")).isEqualTo("True"); // Python prints booleans capitalised
    }

    @Test
    void everySurvivingCharacterKeepsItsOrigin() {
        MarkedText mixed = new MarkedText.Builder().appendTrusted("<t>").appendContent("ab</t>cd").build();
        List<MarkedText> parts = PythonStringMethods.split(mixed, "</t>", -1);
        assertThat(parts.get(0).segments()).containsExactly(
                new RenderedPrompt.Segment("<t>", true), new RenderedPrompt.Segment("ab", false));
        assertThat(parts.get(1).segments()).containsExactly(new RenderedPrompt.Segment("cd", false));

        MarkedText replaced = PythonStringMethods.replace(MarkedText.content("a-b"), "-", MarkedText.trusted("<sep>"),
                -1);
        assertThat(replaced.segments()).containsExactly(new RenderedPrompt.Segment("a", false),
                new RenderedPrompt.Segment("<sep>", true), new RenderedPrompt.Segment("b", false));
    }

    @Test
    void argumentsAreDecodedWithTheTemplatesMarkers() {
        ContentMarkers markers = new ContentMarkers(new Random(7));
        String wrapped = markers.wrap("x,y");
        Object result = PythonStringMethods.call("split", markers.decode(wrapped),
                new PythonStringMethods.Args(new Object[] {markers.wrap(",")}, markers::decode));
        assertThat(texts(castParts(result))).containsExactly("x", "y");
        assertThat(castParts(result).get(0).isContent(0)).isTrue();
    }

    @Test
    void extraVariablesReachTheTemplate() {
        ChatTemplate template = ChatTemplate.of("t", "{{ greeting.upper() }}", null, null);
        assertThat(template.render(List.of(ChatMessage.user("x")), false, Map.of("greeting", "hi")).text())
                .isEqualTo("HI");
    }

    @SuppressWarnings("unchecked")
    private static List<MarkedText> castParts(Object result) {
        return (List<MarkedText>) result;
    }
}
