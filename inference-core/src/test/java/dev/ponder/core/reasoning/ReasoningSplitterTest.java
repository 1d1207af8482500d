package dev.ponder.core.reasoning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReasoningSplitterTest {
    private final ReasoningSplitter splitter = ReasoningSplitter.qwen();

    @Test
    void splitsTheBundledModelsOutputWhenThePromptOpenedTheThought() {
        String generated = "We need 47 + 38.\nOnes: 7 + 8 = 15, write 5 carry 1.\nTens: 4 + 3 + 1 = 8.\n"
                + "So 47 + 38 = 85.\n</think>\n\nThe answer is 85.<|im_end|>";
        ReasoningSplit split = splitter.split(generated, true);
        assertThat(split.reasoning()).isEqualTo("We need 47 + 38.\nOnes: 7 + 8 = 15, write 5 carry 1.\n"
                + "Tens: 4 + 3 + 1 = 8.\nSo 47 + 38 = 85.");
        assertThat(split.answer()).isEqualTo("The answer is 85.");
        assertThat(split.hasAnswer()).isTrue();
    }

    @Test
    void missingCloseTagMeansAllReasoningAndNoAnswer() {
        ReasoningSplit split = splitter.split("\nStill adding 1 + 1 and", true);
        assertThat(split.reasoning()).isEqualTo("Still adding 1 + 1 and");
        assertThat(split.answer()).isEmpty();
        assertThat(split.hasAnswer()).isFalse();
    }

    @Test
    void modelThatOpensTheThoughtItself() {
        ReasoningSplit split = splitter.split("<think>\nr\n</think>\n\nA<|im_end|>", false);
        assertThat(split).isEqualTo(new ReasoningSplit("r", "A", true));
        assertThat(splitter.split("\n<think>\nr", false)).isEqualTo(new ReasoningSplit("r", "", false));
    }

    @Test
    void modelThatDoesNotThinkAnswersDirectly() {
        assertThat(splitter.split("\nHello there.<|endoftext|>", false))
                .isEqualTo(new ReasoningSplit("", "Hello there.", true));
    }

    @Test
    void onlyTheFirstCloseTagEndsTheThought() {
        assertThat(splitter.split("a</think>\n\nb </think> c", true))
                .isEqualTo(new ReasoningSplit("a", "b </think> c", true));
    }

    @Test
    void emptyThoughtAndEmptyAnswer() {
        assertThat(splitter.split("\n</think>\n\n<|im_end|>", true)).isEqualTo(new ReasoningSplit("", "", true));
    }
}
