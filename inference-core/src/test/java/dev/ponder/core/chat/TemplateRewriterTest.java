package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TemplateRewriterTest {
    private static final String REVERSED = "['" + TemplateRewriter.REVERSED_KEY + "']";

    @Test
    void reverseSliceBecomesTheReversedKey() {
        assertThat(TemplateRewriter.rewrite("{%- for m in messages[::-1] %}{{ m }}{% endfor %}"))
                .isEqualTo("{%- for m in messages" + REVERSED + " %}{{ ponder_py_str( m ) }}{% endfor %}");
        assertThat(TemplateRewriter.rewrite("{{ x[ : : -1 ][0] }}")).isEqualTo("{{ ponder_py_str( x" + REVERSED + "[0] ) }}");
    }

    @Test
    void keywordArgumentValuesGetParentheses() {
        assertThat(TemplateRewriter.rewrite(
                "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}"))
                .isEqualTo("{%- set ns = namespace(multi_step_tool=(true), last_query_index=(messages|length - 1)) %}");
        assertThat(TemplateRewriter.rewrite("{% set y = f(a=g(1, 2), b = 3 - 1) %}"))
                .isEqualTo("{% set y = f(a=(g(1, 2)), b =( 3 - 1)) %}");
    }

    @Test
    void comparisonsAssignmentsStringsTextAndMacrosAreLeftAlone() {
        String untouched = "{%- set x = 1 %}{% if (a == b) %}{% endif %} text f(a=1)[::-1] not x is defined "
                + "{# c(a=1) not x is none #}{% macro m(a=1, b=2) %}{% endmacro %}{% set s = 'not x is defined' %}";
        assertThat(TemplateRewriter.rewrite(untouched)).isEqualTo(untouched);
    }

    @Test
    void stringsContainingTagClosersDoNotEndTheTag() {
        assertThat(TemplateRewriter.rewrite("{{- '}\\n</tool_call>' + f(a=1) }}"))
                .isEqualTo("{{- ponder_py_str( '}\\n</tool_call>' + f(a=(1)) ) }}");
    }

    @Test
    void notAppliesToTheTestNotToItsOperand() {
        assertThat(TemplateRewriter.rewrite("{% if not add_generation_prompt is defined %}"))
                .isEqualTo("{% if not (add_generation_prompt is defined) %}");
        assertThat(TemplateRewriter.rewrite("{%- if a and not message['content'] is none -%}"))
                .isEqualTo("{%- if a and not (message['content'] is none) -%}");
        assertThat(TemplateRewriter.rewrite("{% if not x.y is not none or z %}"))
                .isEqualTo("{% if not (x.y is not none) or z %}");
        assertThat(TemplateRewriter.rewrite("{% if not n is divisibleby 3 and ok %}"))
                .isEqualTo("{% if not (n is divisibleby 3) and ok %}");
        assertThat(TemplateRewriter.rewrite("{% if not messages|length is odd %}"))
                .isEqualTo("{% if not ((messages|length) is odd) %}");
    }

    @Test
    void notWithoutATestAndIsNotAreLeftAlone() {
        String untouched = "{% if not(a and b) %}{% if x is not none and not y %}{% if k not in d %}{% endif %}";
        assertThat(TemplateRewriter.rewrite(untouched)).isEqualTo(untouched);
    }

    @Test
    void printedExpressionsArePrintedAsPythonDoesAndKeepWhitespaceControl() {
        assertThat(TemplateRewriter.rewrite("{{- x -}}")).isEqualTo("{{- ponder_py_str( x ) -}}");
        assertThat(TemplateRewriter.rewrite("{{ none }}{{- None }}")).isEqualTo("{{ 'None' }}{{- 'None' }}");
    }

    @Test
    void rawBlocksAreLeftAsTheyAre() {
        assertThat(TemplateRewriter.rewrite("{{ a }}{% raw %}{{ b }} {% if not x is none %}{%- endraw %}{{ c }}"))
                .isEqualTo("{{ ponder_py_str( a ) }}{% raw %}{{ b }} {% if not x is none %}{%- endraw %}{{ ponder_py_str( c ) }}");
    }
}
