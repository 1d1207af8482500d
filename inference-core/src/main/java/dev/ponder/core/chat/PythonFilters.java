package dev.ponder.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** Filters that replace Jinjava's own where its output differs from Python's. */
final class PythonFilters {
    /** The function {@link TemplateRewriter} applies to every printed expression. */
    static final String STR_FUNCTION = "ponder_py_str";

    private PythonFilters() {
    }

    /**
     * {@code tojson} as transformers defines it for chat templates: {@code json.dumps(x, ensure_ascii=False,
     * indent=indent)}, so {@code ", "} and {@code ": "} separators and no HTML escaping (Jinjava's own prints compact
     * JSON, which is not what the models saw in training).
     */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (args.length > 0) {
                throw new IllegalArgumentException("tojson: only the keyword argument indent is supported, got "
                        + args.length + " positional argument(s)");
            }
            Integer indent = null;
            for (Map.Entry<String, Object> e : kwargs.entrySet()) {
                if (!e.getKey().equals("indent")) {
                    throw new IllegalArgumentException("tojson: only the keyword argument indent is supported, got "
                            + e.getKey());
                }
                if (e.getValue() instanceof Number n) {
                    indent = n.intValue();
                } else if (e.getValue() != null) {
                    throw new IllegalArgumentException("tojson: indent must be an integer, got " + e.getValue());
                }
            }
            return PythonValues.json(var, indent);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, new Object[args.length], Map.of());
        }
    }

    /**
     * Python's {@code str(x)} for printed values: {@code True}, {@code None}, {@code [1, 'a']} where Jinjava would
     * print {@code true}, nothing, {@code [1, "a"]}. A variable that holds None prints nothing, as an undefined one
     * does: Jinjava does not tell the two apart, and undefined is by far the common case in templates
     * ({@code {{ message.name }}}); the literal {@code {{ none }}} prints "None" (the rewrite spells it out).
     * Jinjava calls it by reflection.
     */
    public static String str(Object value) {
        return value == null ? "" : PythonValues.str(value);
    }
}
