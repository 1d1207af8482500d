package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what CPython 3 prints for the same values (repr, json.dumps with ensure_ascii=False). */
class PythonValuesTest {
    @Test
    void floatsAreWrittenAsPythonsRepr() {
        assertThat(PythonValues.floatRepr(1.0, false)).isEqualTo("1.0");
        assertThat(PythonValues.floatRepr(0.1, false)).isEqualTo("0.1");
        assertThat(PythonValues.floatRepr(1e15, false)).isEqualTo("1000000000000000.0");
        assertThat(PythonValues.floatRepr(1e16, false)).isEqualTo("1e+16");
        assertThat(PythonValues.floatRepr(1.5e20, false)).isEqualTo("1.5e+20");
        assertThat(PythonValues.floatRepr(0.0001, false)).isEqualTo("0.0001");
        assertThat(PythonValues.floatRepr(0.00001, false)).isEqualTo("1e-05");
        assertThat(PythonValues.floatRepr(-123456.789, false)).isEqualTo("-123456.789");
        assertThat(PythonValues.floatRepr(-0.0, false)).isEqualTo("-0.0");
        assertThat(PythonValues.floatRepr(Double.POSITIVE_INFINITY, true)).isEqualTo("Infinity");
        assertThat(PythonValues.floatRepr(Double.NaN, false)).isEqualTo("nan");
    }

    @Test
    void jsonUsesPythonsSeparatorsAndIndent() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", List.of(1, 2.5, true));
        value.put("a", null);
        value.put("s", "ü \"q\" \\ \n\u0001");
        value.put("e", Map.of());
        assertThat(PythonValues.json(value, null))
                .isEqualTo("{\"b\": [1, 2.5, true], \"a\": null, \"s\": \"ü \\\"q\\\" \\\\ \\n\\u0001\", \"e\": {}}");
        assertThat(PythonValues.json(value, 2)).isEqualTo("""
                {
                  "b": [
                    1,
                    2.5,
                    true
                  ],
                  "a": null,
                  "s": "ü \\"q\\" \\\\ \\n\\u0001",
                  "e": {}
                }""");
        assertThatThrownBy(() -> PythonValues.json(new Object(), null)).hasMessageContaining("not JSON serializable");
    }

    @Test
    void strIsPythonsStr() {
        assertThat(PythonValues.str(true)).isEqualTo("True");
        assertThat(PythonValues.str(null)).isEqualTo("None");
        assertThat(PythonValues.str("it's")).isEqualTo("it's");
        assertThat(PythonValues.str(Arrays.asList("it's", "a\nb", null, 3L, 2.0, false)))
                .isEqualTo("[\"it's\", 'a\\nb', None, 3, 2.0, False]");
        assertThat(PythonValues.str(Map.of("k", "v"))).isEqualTo("{'k': 'v'}");
    }
}
