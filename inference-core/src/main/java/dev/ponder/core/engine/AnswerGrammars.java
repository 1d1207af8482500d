package dev.ponder.core.engine;

import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.constrain.AnswerGrammar;
import dev.ponder.core.constrain.AnswerVocabulary;
import dev.ponder.core.constrain.ConstraintException;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's compiled response formats. Compiling happens on the submitting thread, never the scheduler's:
 * the vocabulary view is built once, on the first constrained request (about a second for Qwen's 151k tokens),
 * and each constraint's {@link AnswerGrammar} once, then shared by every request asking the same (the most
 * recently used {@value #CACHED} are kept). A new grammar's masks for the states nearest its start are
 * computed on a background thread, so the scheduler rarely computes one in the middle of a step.
 */
final class AnswerGrammars implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerGrammars.class);
    /** Grammars kept; each holds up to one mask (19 to 171 KB for Qwen) per automaton state it reached. */
    static final int CACHED = 64;
    /** States whose masks a new grammar gets ahead of decoding (a JSON object of a few fields has tens). */
    static final int PRECOMPUTED_STATES = 256;

    private final Tokenizer tokenizer;
    private final int[] endOfTurnIds;
    private final Object vocabularyLock = new Object();
    private volatile AnswerVocabulary vocabulary;
    private final Map<AnswerConstraint, AnswerGrammar> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AnswerConstraint, AnswerGrammar> eldest) {
            return size() > CACHED;
        }
    };
    private final ExecutorService precompute = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("ponder-grammar-masks").daemon().factory());

    AnswerGrammars(Tokenizer tokenizer, int[] endOfTurnIds) {
        this.tokenizer = tokenizer;
        this.endOfTurnIds = endOfTurnIds.clone();
    }

    /**
     * The grammar of a constraint, compiled now or taken from the cache. Throws {@link ConstraintException}
     * naming what is wrong, unsupported or too big.
     */
    AnswerGrammar grammarFor(AnswerConstraint constraint) {
        synchronized (cache) {
            AnswerGrammar cached = cache.get(constraint);
            if (cached != null) {
                return cached;
            }
        }
        long start = System.nanoTime();
        AnswerGrammar compiled = new AnswerGrammar(constraint.compile(), vocabulary());
        AnswerGrammar grammar;
        synchronized (cache) {
            grammar = cache.putIfAbsent(constraint, compiled);
        }
        if (grammar != null) {
            return grammar; // another thread compiled the same constraint meanwhile
        }
        LOG.debug("compiled response format ({}) to {} states in {} ms", constraint.describe(),
                compiled.dfa().stateCount(), (System.nanoTime() - start) / 1_000_000);
        precompute.execute(() -> compiled.precomputeNearStart(PRECOMPUTED_STATES));
        return compiled;
    }

    private AnswerVocabulary vocabulary() {
        AnswerVocabulary v = vocabulary;
        if (v == null) {
            synchronized (vocabularyLock) {
                v = vocabulary;
                if (v == null) {
                    if (endOfTurnIds.length == 0) {
                        throw new ConstraintException("this model's vocabulary has no end-of-turn token to end a constrained answer");
                    }
                    try {
                        v = new AnswerVocabulary(tokenizer, endOfTurnIds);
                    } catch (IllegalArgumentException e) {
                        throw new ConstraintException("this model's vocabulary cannot hold a constrained answer: " + e.getMessage());
                    }
                    vocabulary = v;
                }
            }
        }
        return v;
    }

    @Override
    public void close() {
        precompute.shutdownNow();
    }
}
