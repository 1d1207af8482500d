package dev.ponder.core.constrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.core.tokenizer.TokenType;
import dev.ponder.core.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Token masks over Qwen's real vocabulary. */
class TokenMaskTest {
    private static final String ANSWER_SCHEMA = """
            {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}""";

    @Test
    void everyMaskAgreesWithABruteForceWalkOfEveryToken() {
        AnswerVocabulary vocabulary = QwenVocabulary.get();
        Tokenizer tokenizer = QwenVocabulary.tokenizer();
        for (ByteDfa dfa : List.of(Constraints.jsonSchema(ANSWER_SCHEMA), Constraints.regex("-?[0-9]+"),
                Constraints.jsonSchema("{\"type\": \"object\", \"properties\": {\"why\": {\"type\": \"string\", \"maxLength\": 3},"
                        + " \"day\": {\"type\": \"string\", \"format\": \"date\"}}}"),
                Constraints.choice(List.of("Paris", "París", "東京")))) {
            AnswerGrammar grammar = new AnswerGrammar(dfa, vocabulary);
            for (int state = 0; state < dfa.stateCount(); state++) {
                long[] mask = grammar.mask(state);
                int allowedCount = 0;
                for (int id = 0; id < vocabulary.size(); id++) {
                    boolean allowed = (mask[id >>> 6] >>> id & 1) != 0;
                    boolean expected;
                    if (vocabulary.isEndOfTurn(id)) {
                        expected = dfa.isAccepting(state);
                    } else if (tokenizer.tokenType(id) != TokenType.NORMAL) {
                        expected = false;
                    } else {
                        expected = dfa.walk(state, tokenizer.tokenBytes(id)) != ByteDfa.DEAD;
                    }
                    assertThat(allowed).as("state %d token %d %s", state, id, tokenizer.tokenText(id)).isEqualTo(expected);
                    allowedCount += allowed ? 1 : 0;
                }
                assertThat(allowedCount).as("state %d allows something", state).isPositive();
            }
        }
    }

    @Test
    void aClosingMaskKeepsExactlyTheAllowedTokensThatBringTheAnswerNearerToItsEnd() {
        AnswerVocabulary vocabulary = QwenVocabulary.get();
        Tokenizer tokenizer = QwenVocabulary.tokenizer();
        for (ByteDfa dfa : List.of(Constraints.jsonSchema(ANSWER_SCHEMA), Constraints.regex("-?[0-9]+"),
                Constraints.choice(List.of("Paris", "París", "東京")))) {
            AnswerGrammar grammar = new AnswerGrammar(dfa, vocabulary);
            for (int state = 0; state < dfa.stateCount(); state++) {
                long[] mask = grammar.mask(state);
                long[] closing = grammar.closingMask(state);
                int kept = 0;
                for (int id = 0; id < vocabulary.size(); id++) {
                    boolean allowed = (mask[id >>> 6] >>> id & 1) != 0;
                    boolean expected = allowed && (vocabulary.isEndOfTurn(id) ? dfa.bytesToAccept(state) == 0
                            : dfa.bytesToAccept(dfa.walk(state, tokenizer.tokenBytes(id))) < dfa.bytesToAccept(state));
                    boolean inClosing = (closing[id >>> 6] >>> id & 1) != 0;
                    assertThat(inClosing).as("state %d token %d %s", state, id, tokenizer.tokenText(id)).isEqualTo(expected);
                    kept += inClosing ? 1 : 0;
                }
                // never a dead end: an answer steered this way always reaches its end
                assertThat(kept).as("state %d keeps something", state).isPositive();
            }
        }
    }

    @Test
    void applyingAMaskRefusesExactlyTheTokensOutsideItAndLeavesTheRestAlone() {
        AnswerVocabulary vocabulary = QwenVocabulary.get();
        SplittableRandom random = new SplittableRandom(5);
        // Structured states allow few tokens (fill and restore), string states most (refused ones written).
        for (ByteDfa dfa : List.of(Constraints.jsonSchema(ANSWER_SCHEMA), Constraints.jsonSchema("{\"type\": \"string\"}"))) {
            AnswerGrammar grammar = new AnswerGrammar(dfa, vocabulary);
            for (int state = 0; state < dfa.stateCount(); state++) {
                int offset = 3;
                int rows = vocabularyRows();
                float[] logits = new float[offset + rows + 2];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) random.nextDouble();
                }
                float[] before = logits.clone();
                grammar.tokenMask(state).apply(logits, offset, rows);
                long[] bits = grammar.mask(state);
                for (int i = 0; i < logits.length; i++) {
                    int id = i - offset;
                    boolean inRow = id >= 0 && id < rows;
                    boolean allowed = id >= 0 && id < vocabulary.size() && (bits[id >>> 6] >>> id & 1) != 0;
                    float expected = inRow && !allowed ? Float.NEGATIVE_INFINITY : before[i];
                    assertThat(logits[i]).as("state %d index %d", state, i).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void oneGrammarServesManyThreadsAtOnce() throws Exception {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "required": ["answer", "unit"], "properties": {
                  "answer": {"type": "integer", "minimum": 0, "maximum": 999}, "unit": {"enum": ["cm", "m", "km"]}}}""");
        AnswerGrammar shared = new AnswerGrammar(dfa, QwenVocabulary.get());
        AnswerGrammar reference = new AnswerGrammar(dfa, QwenVocabulary.get());
        reference.precomputeAll();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<String>> walks = new java.util.ArrayList<>();
            for (int seed = 0; seed < 16; seed++) {
                int s = seed;
                walks.add(pool.submit(() -> greedyWalk(shared, s)));
            }
            for (java.util.concurrent.Future<String> walk : walks) {
                assertThat(dfa.matches(walk.get())).as(walk.get()).isTrue();
            }
        }
        for (int state = 0; state < dfa.stateCount(); state++) {
            assertThat(shared.mask(state)).as("state %d", state).isEqualTo(reference.mask(state));
        }
    }

    @Test
    void specialTokensAreNeverAllowedAndEndOfTurnOnlyWhereTheAnswerIsComplete() {
        AnswerGrammar grammar = new AnswerGrammar(Constraints.regex(".*"), QwenVocabulary.get());
        Tokenizer tokenizer = QwenVocabulary.tokenizer();
        long[] mask = grammar.mask(grammar.dfa().start());
        for (String special : List.of("<think>", "</think>", "<|im_start|>", "<tool_call>")) {
            int id = tokenizer.tokenId(special);
            assertThat(mask[id >>> 6] >>> id & 1).as(special).isZero();
        }
        ConstrainedAnswer answer = new AnswerGrammar(Constraints.choice(List.of("yes", "no")), QwenVocabulary.get()).newAnswer();
        int imEnd = QwenVocabulary.imEnd();
        assertThatThrownBy(() -> answer.advance(imEnd)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> answer.advance(tokenizer.tokenId("<think>"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> answer.advance(single(tokenizer, "maybe"))).isInstanceOf(IllegalArgumentException.class);
        answer.advance(single(tokenizer, "yes"));
        assertThat(answer.isComplete()).isTrue();
        assertThat(answer.mustEnd()).isTrue();
        float[] logits = new float[vocabularyRows()];
        answer.mask(logits, 0, logits.length);
        for (int id = 0; id < logits.length; id++) {
            boolean endOfTurn = id == imEnd || id == tokenizer.tokenId("<|endoftext|>");
            assertThat(logits[id]).as("token %d", id).isEqualTo(endOfTurn ? 0f : Float.NEGATIVE_INFINITY);
        }
        answer.advance(imEnd);
        assertThat(answer.hasEnded()).isTrue();
    }

    @Test
    void randomLogitWalksUnderTheMaskAlwaysEndInAValidAnswer() throws Exception {
        ObjectMapper json = new ObjectMapper();
        AnswerGrammar schema = new AnswerGrammar(Constraints.jsonSchema(ANSWER_SCHEMA), QwenVocabulary.get());
        for (int seed = 0; seed < 200; seed++) {
            String text = greedyWalk(schema, seed);
            JsonNode parsed = json.readTree(text);
            assertThat(parsed.size()).as(text).isEqualTo(1);
            assertThat(parsed.get("answer").isIntegralNumber()).as(text).isTrue();
        }
        AnswerGrammar regex = new AnswerGrammar(Constraints.regex("-?[0-9]+"), QwenVocabulary.get());
        for (int seed = 0; seed < 200; seed++) {
            String text = greedyWalk(regex, seed);
            assertThat(Pattern.matches("-?[0-9]+", text)).as(text).isTrue();
        }
    }

    /**
     * Prints (does not assert) what masks cost on Qwen's vocabulary: building the vocabulary's trie, the
     * first computation of each state's mask (how warm the JIT is depends on the tests run before) and the application of a cached mask to a logit row, for the
     * states of {"answer": integer} (few tokens allowed) and for the inside of a free string (most allowed).
     */
    @Test
    void maskTimingsOnQwensVocabulary() {
        long buildStart = System.nanoTime();
        Tokenizer tokenizer = QwenVocabulary.tokenizer();
        new AnswerVocabulary(tokenizer, tokenizer.tokenId("<|im_end|>"));
        double buildMillis = (System.nanoTime() - buildStart) / 1e6;
        AnswerVocabulary vocabulary = QwenVocabulary.get();
        ByteDfa dfa = Constraints.jsonSchema(ANSWER_SCHEMA);
        double cold = microsPerState(new AnswerGrammar(dfa, vocabulary));
        new AnswerGrammar(Constraints.jsonSchema(ANSWER_SCHEMA.replace("answer", "result")), vocabulary).precomputeAll();
        double warm = microsPerState(new AnswerGrammar(dfa, vocabulary));
        AnswerGrammar grammar = new AnswerGrammar(dfa, vocabulary);
        double applied = microsPerApplication(grammar, allStates(dfa));

        ByteDfa string = Constraints.jsonSchema("{\"type\": \"string\"}");
        AnswerGrammar free = new AnswerGrammar(string, vocabulary);
        int inside = string.next(string.start(), '"');
        long start = System.nanoTime();
        free.tokenMask(inside);
        double freeFirst = (System.nanoTime() - start) / 1e3;
        double freeApplied = microsPerApplication(free, new int[] {inside});
        System.out.printf("constrain: %s, built in %.0f ms%n  {\"answer\": integer}: %d states; first mask computation %.0f us per state"
                + " (first grammar timed in this JVM), %.0f us (after another grammar's); cached mask applied to a logit row %.1f us%n"
                + "  inside a free JSON string: first mask computation %.0f us, cached mask applied %.1f us%n",
                vocabulary, buildMillis, dfa.stateCount(), cold, warm, applied, freeFirst, freeApplied);
        assertThat(applied).isPositive();
    }

    private static double microsPerState(AnswerGrammar grammar) {
        long start = System.nanoTime();
        grammar.precomputeAll();
        return (System.nanoTime() - start) / 1e3 / grammar.dfa().stateCount();
    }

    private static double microsPerApplication(AnswerGrammar grammar, int[] states) {
        float[] logits = new float[vocabularyRows()];
        java.util.Arrays.fill(logits, 1f);
        for (int state : states) {
            grammar.tokenMask(state).apply(logits, 0, logits.length); // warm-up and caching
        }
        int rounds = 20_000;
        long start = System.nanoTime();
        float sink = 0;
        for (int i = 0; i < rounds; i++) {
            logits[i % logits.length] = i;
            grammar.tokenMask(states[i % states.length]).apply(logits, 0, logits.length);
            sink += logits[(i * 7919) % logits.length];
        }
        double micros = (System.nanoTime() - start) / 1e3 / rounds;
        return sink == 42 ? micros + 0 : micros;
    }

    private static int[] allStates(ByteDfa dfa) {
        return java.util.stream.IntStream.range(0, dfa.stateCount()).toArray();
    }

    /** Greedy decoding over seeded random logits, with a growing pull towards the end of turn. */
    private static String greedyWalk(AnswerGrammar grammar, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ConstrainedAnswer answer = grammar.newAnswer();
        Tokenizer tokenizer = QwenVocabulary.tokenizer();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        float[] logits = new float[vocabularyRows()];
        for (int step = 0; step < 200; step++) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) random.nextDouble();
            }
            logits[QwenVocabulary.imEnd()] += step / 10f;
            answer.mask(logits, 0, logits.length);
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            answer.advance(best);
            if (answer.hasEnded()) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
            bytes.writeBytes(tokenizer.tokenBytes(best));
        }
        throw new AssertionError("seed " + seed + ": no end after 200 tokens: " + bytes.toString(StandardCharsets.UTF_8));
    }

    /** The output rows of a Qwen model: more than the tokenizer's tokens would be padding. */
    private static int vocabularyRows() {
        return QwenVocabulary.get().size() + 64;
    }

    private static int single(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text);
        assertThat(ids).as(text).hasSize(1);
        return ids[0];
    }
}
