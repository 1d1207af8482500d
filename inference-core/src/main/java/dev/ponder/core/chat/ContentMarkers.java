package dev.ponder.core.chat;

import java.util.HexFormat;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Carries "this came from message content" through Jinja, which only knows plain strings.
 *
 * <p>Each piece of message content enters the template wrapped as {@code OPEN content CLOSE}. Plain string operations
 * of the engine (concatenation, {@code in}, output) move the markers along with the text; the Python string methods
 * decode, work on {@link MarkedText} and re-encode. After rendering, {@link #decode} turns the output back into text
 * plus per-character origin.
 *
 * <p>The markers are private-use characters around a random nonce chosen per template instance, so message content
 * cannot forge a closing marker to make the text after it look like template text.
 */
final class ContentMarkers {
    private static final char OPEN_LEAD = '\uE000';
    private static final char CLOSE_LEAD = '\uE001';
    private static final char TAIL = '\uE002';
    /** Any marker of any instance: used only to clean error messages. */
    private static final Pattern ANY_MARKER = Pattern.compile("[\uE000\uE001][0-9a-f]{16}\uE002");

    private final String open;
    private final String close;

    ContentMarkers(RandomGenerator random) {
        String nonce = HexFormat.of().toHexDigits(random.nextLong());
        this.open = OPEN_LEAD + nonce + TAIL;
        this.close = CLOSE_LEAD + nonce + TAIL;
    }

    /** Content as it enters the template; empty content stays empty so that it is still falsy in Jinja. */
    String wrap(String content) {
        return content.isEmpty() ? content : open + content + close;
    }

    boolean occurIn(String text) {
        return text.contains(open) || text.contains(close);
    }

    String encode(MarkedText marked) {
        StringBuilder out = new StringBuilder(marked.length() + 2 * open.length());
        for (RenderedPrompt.Segment run : marked.segments()) {
            if (run.trusted()) {
                out.append(run.text());
            } else {
                out.append(open).append(run.text()).append(close);
            }
        }
        return out.toString();
    }

    /**
     * Splits marked text into text and origin.
     *
     * @throws MalformedMarkersException when markers are unbalanced, which happens when a template cut a marker apart
     *     (slicing content by position, for example)
     */
    MarkedText decode(String encoded) {
        MarkedText.Builder out = new MarkedText.Builder();
        boolean inContent = false;
        int runStart = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c != OPEN_LEAD && c != CLOSE_LEAD) {
                continue;
            }
            boolean isOpen = encoded.startsWith(open, i);
            if (!isOpen && !encoded.startsWith(close, i)) {
                continue; // a private-use character that is not one of this instance's markers
            }
            if (isOpen == inContent) {
                throw new MalformedMarkersException((isOpen ? "nested content start" : "content end without a start")
                        + " marker at " + i);
            }
            String run = encoded.substring(runStart, i);
            if (inContent) {
                out.appendContent(run);
            } else {
                out.appendTrusted(run);
            }
            inContent = isOpen;
            i += open.length() - 1; // open and close markers have the same length
            runStart = i + 1;
        }
        if (inContent) {
            throw new MalformedMarkersException("content start marker without an end");
        }
        return out.appendTrusted(encoded.substring(runStart)).build();
    }

    /** Removes every marker (of any instance) from a text meant for people, such as an error message. */
    static String stripAll(String text) {
        return ANY_MARKER.matcher(text).replaceAll("");
    }

    /** Markers that do not pair up: the template did something to content that its origin cannot follow. */
    static final class MalformedMarkersException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MalformedMarkersException(String message) {
            super(message);
        }
    }
}
