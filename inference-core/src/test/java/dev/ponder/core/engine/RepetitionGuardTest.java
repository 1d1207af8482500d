package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The repetition guard: a tail that is one span repeated back to back over enough tokens, and nothing else. */
class RepetitionGuardTest {
    private final RepetitionGuard guard = new RepetitionGuard(4, 12);

    @Test
    void aSpanRepeatedOverTheMinimumIsStuck() {
        int[] loop = {9, 8, 7, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
        assertThat(guard.isStuck(loop, loop.length)).isTrue(); // "1 2 3" four times: 12 tokens
        assertThat(guard.isStuck(loop, loop.length - 1)).as("11 tokens of it are not enough").isFalse();
        int[] same = new int[12];
        Arrays.fill(same, 5);
        assertThat(guard.isStuck(same, 12)).as("one token repeated").isTrue();
    }

    @Test
    void varietyOrSpansLongerThanTheWindowAreNotStuck() {
        int[] counting = new int[40];
        for (int i = 0; i < counting.length; i++) {
            counting[i] = i;
        }
        assertThat(guard.isStuck(counting, counting.length)).isFalse();
        // a span of five (longer than the window of four) repeated: not this guard's business
        int[] five = {1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5};
        assertThat(guard.isStuck(five, five.length)).isFalse();
        // the repetition must reach the end: a loop followed by something new is over
        int[] escaped = {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 7};
        assertThat(guard.isStuck(escaped, escaped.length)).isFalse();
        assertThat(new RepetitionGuard(0, 12).isStuck(new int[20], 20)).as("window 0: off").isFalse();
    }
}
