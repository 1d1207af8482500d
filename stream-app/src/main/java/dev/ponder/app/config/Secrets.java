package dev.ponder.app.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Keeps credentials out of logs: values of secret-looking keys and the user-info part of URLs are masked. */
public final class Secrets {
    static final String MASK = "[hidden]";
    /** A key is secret when one of its dot-separated words says so ({@code ssl.key.password}, {@code sasl.jaas.config}, ...). */
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(^|.*\\.)(password|passwd|secret|jaas|token|credentials?|apikey|api\\.key|private\\.key|user\\.info)(\\..*|$)");
    /** {@code scheme://user:pass@host} in any value (registry URLs may carry basic-auth credentials). */
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^/@\\s,]+@");

    private Secrets() {
    }

    public static boolean isSecretKey(String key) {
        return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
    }

    /** The value as it may be logged for {@code key}. */
    public static String mask(String key, String value) {
        if (value == null) {
            return null;
        }
        if (isSecretKey(key)) {
            return MASK;
        }
        return URL_USER_INFO.matcher(value).replaceAll(MASK + "@");
    }

    /** A sorted copy of {@code settings} that is safe to log. */
    public static Map<String, String> masked(Map<String, ?> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> out.put(k, mask(k, v == null ? null : String.valueOf(v))));
        return out;
    }
}
