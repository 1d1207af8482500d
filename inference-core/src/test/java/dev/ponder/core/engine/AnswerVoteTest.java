package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.constrain.AnswerConstraint;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerVoteTest {
    private static final AnswerConstraint SCHEMA = new AnswerConstraint.JsonSchema("{\"type\":\"object\"}");

    private static GenerationResult chain(String answer, FinishReason reason, Boolean formatOk) {
        return new GenerationResult("r", "", answer, reason, new GenerationResult.Usage(1, 0, 0, 0),
                new GenerationResult.Timings(0, 0, 0), new int[0], false, null, formatOk);
    }

    @Test
    void theMostFrequentTrimmedAnswerWinsAndATieGoesToTheEarliestChain() {
        AnswerVote.Outcome vote = AnswerVote.of(List.of(chain("7", FinishReason.STOP, null),
                chain(" 8\n", FinishReason.STOP, null), chain("8", FinishReason.STOP, null),
                chain("7 ", FinishReason.STOP, null)), null);
        assertThat(vote.vote()).isEqualTo(new GenerationResult.Vote("7", 2, 4));
        assertThat(vote.firstChain()).isZero();
        AnswerVote.Outcome majority = AnswerVote.of(List.of(chain("7", FinishReason.STOP, null),
                chain("8", FinishReason.STOP, null), chain("8", FinishReason.STOP, null)), null);
        assertThat(majority.vote()).isEqualTo(new GenerationResult.Vote("8", 2, 3));
        assertThat(majority.firstChain()).isEqualTo(1);
    }

    @Test
    void answersCutShortOrInvalidDoNotCount() {
        AnswerVote.Outcome vote = AnswerVote.of(List.of(chain("9", FinishReason.LENGTH, null),
                chain("9", FinishReason.REPETITION, null), chain(null, FinishReason.STOP, null),
                chain("5", FinishReason.STOP, null)), null);
        assertThat(vote.vote()).isEqualTo(new GenerationResult.Vote("5", 1, 1));
        assertThat(AnswerVote.of(List.of(chain("{}", FinishReason.STOP, false)), SCHEMA)).isNull();
        assertThat(AnswerVote.of(List.of(chain("", FinishReason.STOP, null)), null)).isNull();
    }

    @Test
    void underAJsonSchemaEqualObjectsWrittenDifferentlyAreOneAnswer() {
        AnswerVote.Outcome vote = AnswerVote.of(List.of(chain("{\"b\": 2, \"a\": [1, {\"y\":1,\"x\":0}]}", FinishReason.STOP, true),
                chain("{\"c\":1}", FinishReason.STOP, true),
                chain("\n{\"a\":[1,{\"x\":0,\"y\":1}],\"b\":2}", FinishReason.STOP, true)), SCHEMA);
        assertThat(vote.vote()).isEqualTo(new GenerationResult.Vote("{\"a\":[1,{\"x\":0,\"y\":1}],\"b\":2}", 2, 3));
        // without a schema the texts differ
        assertThat(AnswerVote.of(List.of(chain("{\"b\": 2}", FinishReason.STOP, null),
                chain("{\"b\":2}", FinishReason.STOP, null)), null).vote().count()).isEqualTo(1);
    }
}
