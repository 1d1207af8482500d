package dev.ponder.core.chat;

/** Python's {@code str.strip}, {@code lstrip} and {@code rstrip} on plain text, as the chat templates apply them. */
public final class PythonStrip {
    private PythonStrip() {
    }

    /**
     * Removes {@code chars} (null: Python's whitespace) from the left end, the right end or both.
     */
    public static String strip(String text, String chars, boolean left, boolean right) {
        return PythonStringMethods.strip(MarkedText.trusted(text), chars, left, right).text();
    }
}
