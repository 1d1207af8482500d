package dev.ponder.core.reasoning;

import static dev.ponder.core.reasoning.ReasoningTracker.Phase.ANSWERING;
import static dev.ponder.core.reasoning.ReasoningTracker.Phase.THINKING;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReasoningTrackerTest {
    private static final int OPEN = 151667;
    private static final int CLOSE = 151668;
    private static final int EOS = 151645;

    @Test
    void promptOpenedThoughtCountsUntilTheCloseTag() {
        ReasoningTracker tracker = new ReasoningTracker(OPEN, CLOSE, true);
        assertThat(tracker.phase()).isEqualTo(THINKING);
        assertThat(tracker.onToken(10)).isEqualTo(THINKING);
        assertThat(tracker.onToken(11)).isEqualTo(THINKING);
        assertThat(tracker.onToken(CLOSE)).isEqualTo(ANSWERING);
        assertThat(tracker.onToken(12)).isEqualTo(ANSWERING);
        assertThat(tracker.onToken(EOS)).isEqualTo(ANSWERING);
        assertThat(tracker.reasoningTokens()).isEqualTo(3);
        assertThat(tracker.answerTokens()).isEqualTo(2);
        assertThat(tracker.thinkingClosed()).isTrue();
    }

    @Test
    void modelOpeningItsOwnThought() {
        ReasoningTracker tracker = new ReasoningTracker(OPEN, CLOSE, false);
        assertThat(tracker.phase()).isEqualTo(ANSWERING);
        assertThat(tracker.onToken(OPEN)).isEqualTo(THINKING);
        tracker.onToken(10);
        tracker.onToken(CLOSE);
        tracker.onToken(12);
        assertThat(tracker.reasoningTokens()).isEqualTo(3);
        assertThat(tracker.answerTokens()).isEqualTo(1);
    }

    @Test
    void modelThatStartsAnsweringNeverThinks() {
        ReasoningTracker tracker = new ReasoningTracker(OPEN, CLOSE, false);
        tracker.onToken(10);
        assertThat(tracker.onToken(OPEN)).isEqualTo(ANSWERING);
        assertThat(tracker.onToken(CLOSE)).isEqualTo(ANSWERING);
        assertThat(tracker.reasoningTokens()).isZero();
        assertThat(tracker.answerTokens()).isEqualTo(3);
        assertThat(tracker.thinkingClosed()).isFalse();
    }

    @Test
    void budgetRunsOutOnlyWhileThinking() {
        ReasoningTracker tracker = new ReasoningTracker(OPEN, CLOSE, true);
        tracker.onToken(1);
        assertThat(tracker.budgetExhausted(2)).isFalse();
        tracker.onToken(2);
        assertThat(tracker.budgetExhausted(2)).isTrue();
        // The engine forces </think> when told so.
        assertThat(tracker.onToken(tracker.thinkCloseId())).isEqualTo(ANSWERING);
        assertThat(tracker.budgetExhausted(2)).isFalse();
        assertThat(tracker.reasoningTokens()).isEqualTo(3);
    }

    @Test
    void unfinishedThoughtIsNotClosed() {
        ReasoningTracker tracker = new ReasoningTracker(OPEN, CLOSE, true);
        tracker.onToken(1);
        assertThat(tracker.thinkingClosed()).isFalse();
        assertThat(tracker.phase()).isEqualTo(THINKING);
    }
}
