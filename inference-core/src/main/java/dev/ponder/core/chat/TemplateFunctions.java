package dev.ponder.core.chat;

import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;

/** Global functions that Hugging Face passes to chat templates; Jinjava calls them by reflection. */
final class TemplateFunctions {
    /**
     * The time {@code strftime_now} reports, fixed for the duration of one {@link ChatTemplate#render} so that its two
     * renders agree even across a second or midnight boundary. Unset outside a render: then the current time.
     */
    static final ThreadLocal<ZonedDateTime> RENDER_TIME = new ThreadLocal<>();

    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template rejects the conversation (wrong role order, for example). */
    public static Object raiseException(String message) {
        throw new TemplateRaisedException(ContentMarkers.stripAll(String.valueOf(message)));
    }

    /** {@code strftime_now(format)}: the current date and time, in Python strftime format. */
    public static String strftimeNow(String format) {
        ZonedDateTime time = RENDER_TIME.get();
        return StrftimeFormatter.format(time != null ? time : ZonedDateTime.now(), format);
    }

    /** Thrown through Jinjava by {@link #raiseException}, recognised when the render's errors are collected. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
