package dev.ponder.core.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The task the bundled tiny reasoner was trained on: addition and subtraction (non-negative results) of
 * numbers with 1 to 3 digits, in ten prompt forms, half of them with a shared system prompt. Used by
 * the tests, the demo and the benchmarks, which check the model's answers by arithmetic.
 */
public final class ArithmeticProblems {
    public static final String SYSTEM_PROMPT =
            "You are a careful arithmetic assistant. Think step by step, then give the final answer.";

    private static final String[] ADD_FORMS = {"What is %d + %d?", "Compute %d + %d.", "Calculate %d + %d.",
            "What is %d plus %d?", "Add %d and %d."};
    private static final String[] SUB_FORMS = {"What is %d - %d?", "Compute %d - %d.", "Calculate %d - %d.",
            "What is %d minus %d?", "Subtract %2$d from %1$d."};
    private static final Pattern ANSWER = Pattern.compile("The answer is (-?\\d+)\\.");

    /** One problem: an optional system prompt, the user prompt, and the right answer. */
    public record Problem(String system, String prompt, long expected) {
        /** Whether an answer text states the expected number ("The answer is N."). */
        public boolean isCorrect(String answer) {
            if (answer == null) {
                return false;
            }
            Matcher m = ANSWER.matcher(answer);
            return m.find() && Long.parseLong(m.group(1)) == expected;
        }
    }

    private ArithmeticProblems() {
    }

    /** {@code count} problems drawn with a fixed seed, so a run can be repeated exactly. */
    public static List<Problem> generate(int count, long seed) {
        Random random = new Random(seed);
        List<Problem> problems = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long a = number(random);
            long b = number(random);
            String prompt;
            long expected;
            if (random.nextBoolean()) {
                prompt = String.format(ADD_FORMS[random.nextInt(ADD_FORMS.length)], a, b);
                expected = a + b;
            } else {
                if (a < b) {
                    long t = a;
                    a = b;
                    b = t;
                }
                prompt = String.format(SUB_FORMS[random.nextInt(SUB_FORMS.length)], a, b);
                expected = a - b;
            }
            problems.add(new Problem(random.nextBoolean() ? SYSTEM_PROMPT : null, prompt, expected));
        }
        return problems;
    }

    /** 1 digit a sixth of the time, 2 digits a third, 3 digits half, as in training. */
    private static long number(Random random) {
        int digits = new int[] {1, 2, 2, 3, 3, 3}[random.nextInt(6)];
        long low = digits == 1 ? 0 : (long) Math.pow(10, digits - 1);
        long high = (long) Math.pow(10, digits) - 1;
        return low + (long) (random.nextDouble() * (high - low + 1));
    }
}
