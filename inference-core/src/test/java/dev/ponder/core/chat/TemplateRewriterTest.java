package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TemplateRewriterTest {
    private static final String REVERSED = "['" + TemplateRewriter.REVERSED_KEY + "']";

    @Test
    void reverseSliceBecomesTheReversedKey() {
        assertThat(TemplateRewriter.rewrite("{%- for m in messages[::-1] %}{{ m }}{% endfor %}"))
                .isEqualTo("{%- for m in messages" + REVERSED + " %}{{ m }}{% endfor %}");
        assertThat(TemplateRewriter.rewrite("{{ x[ : : -1 ][0] }}")).isEqualTo("{{ x" + REVERSED + "[0] }}");
    }

    @Test
    void keywordArgumentValuesGetParentheses() {
        assertThat(TemplateRewriter.rewrite(
                "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}"))
                .isEqualTo("{%- set ns = namespace(multi_step_tool=(true), last_query_index=(messages|length - 1)) %}");
        assertThat(TemplateRewriter.rewrite("{{ f(a=g(1, 2), b = 3 - 1) }}"))
                .isEqualTo("{{ f(a=(g(1, 2)), b =( 3 - 1)) }}");
    }

    @Test
    void comparisonsAssignmentsStringsTextAndMacrosAreLeftAlone() {
        String untouched = "{%- set x = 1 %}{{ (a == b) }}{{ 'f(a=1)[::-1]' }}{{ \"}}\" }} text f(a=1)[::-1] "
                + "{# c(a=1) #}{% macro m(a=1, b=2) %}{% endmacro %}";
        assertThat(TemplateRewriter.rewrite(untouched)).isEqualTo(untouched);
    }

    @Test
    void stringsContainingTagClosersDoNotEndTheTag() {
        assertThat(TemplateRewriter.rewrite("{{- '}\\n</tool_call>' + f(a=1) }}"))
                .isEqualTo("{{- '}\\n</tool_call>' + f(a=(1)) }}");
    }
}
