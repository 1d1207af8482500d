package dev.ponder.core.constrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonSchemaConstraintTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void objectWithRequiredAndOptionalPropertiesInSchemaOrder() {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "additionalProperties": false, "required": ["name", "age"],
                 "properties": {"name": {"type": "string"}, "nick": {"type": "string"}, "age": {"type": "integer"},
                                "ok": {"type": "boolean"}}}""");
        accepts(dfa, "{\"name\":\"Ann\",\"age\":31}", "{\"name\": \"Ann\", \"age\": -4}",
                "{\"name\":\"A\\\"n\\u00e9\",\"nick\":\"\",\"age\":0,\"ok\":true}", "{\"name\":\"Ann\",\"age\":1, \"ok\":false}");
        rejects(dfa, "{\"age\":31,\"name\":\"Ann\"}", "{\"name\":\"Ann\"}", "{\"name\":\"Ann\",\"age\":31,}",
                "{\"name\":\"Ann\",\"age\":031}", "{\"name\":\"Ann\",\"age\":3.5}", "{ \"name\":\"Ann\",\"age\":1}",
                "{\"name\":\"Ann\",\"age\":1,\"extra\":1}", "{\"name\":\"Ann\",\"age\":1}\n", "{\"name\":\"Ann\"  ,\"age\":1}",
                "{\"name\":\"a\nb\",\"age\":1}", "{\"name\":\"\\x\",\"age\":1}", "{\"name\":\"\\ud800\",\"age\":1}");
    }

    @Test
    void allOptionalPropertiesMayAllBeLeftOut() {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "properties": {"a": {"type": "null"}, "b": {"type": "number"}, "c": {"const": 3}}}""");
        accepts(dfa, "{}", "{\"a\":null}", "{\"b\":1.5e-3}", "{\"c\":3}", "{\"a\":null,\"c\":3}", "{\"a\":null,\"b\":2,\"c\":3}",
                "{\"b\":-0.25,\"c\":3}");
        rejects(dfa, "{,}", "{\"a\":null,}", "{,\"a\":null}", "{\"c\":4}", "{\"c\":3,\"a\":null}", "{\"b\":1.}", "{\"b\":.5}");
    }

    @Test
    void enumConstAndAnyOf() {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "required": ["kind", "value"], "properties": {
                   "kind": {"enum": ["yes", "no", "maybe \\"so\\"", 7, null]},
                   "value": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"}, {"const": [1, {"x": true}]}]}}}""");
        accepts(dfa, "{\"kind\":\"yes\",\"value\":5}", "{\"kind\":7,\"value\":\"2026-12-06\"}",
                "{\"kind\":null,\"value\":[1,{\"x\":true}]}", "{\"kind\":\"maybe \\\"so\\\"\",\"value\":0}");
        rejects(dfa, "{\"kind\":\"Yes\",\"value\":5}", "{\"kind\":\"yes\",\"value\":\"2026-13-06\"}",
                "{\"kind\":\"yes\",\"value\":[1, {\"x\":true}]}", "{\"kind\":8,\"value\":1}");
    }

    @Test
    void arraysCountTheirItems() {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3}""");
        accepts(dfa, "[1,2]", "[1, 2, 3]", "[-1,0,10]");
        rejects(dfa, "[]", "[1]", "[1,2,3,4]", "[1,,2]", "[1 ,2]", "[ 1,2]");
        ByteDfa any = Constraints.jsonSchema("""
                {"type": "array", "items": {"type": "array", "items": {"type": "boolean"}}}""");
        accepts(any, "[]", "[[]]", "[[true],[false, true],[]]");
        rejects(any, "[[true],]", "[true]", "[[]");
    }

    @Test
    void stringPatternsFormatsAndLengths() {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "required": ["code", "id", "when", "mail", "short"], "properties": {
                   "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                   "id": {"type": "string", "format": "uuid"},
                   "when": {"type": "string", "format": "date-time"},
                   "mail": {"type": "string", "format": "email"},
                   "short": {"type": ["string", "null"], "minLength": 1, "maxLength": 2}}}""");
        String good = "{\"code\":\"ABC-12\",\"id\":\"123e4567-e89b-12d3-a456-426614174000\","
                + "\"when\":\"2026-12-06T02:30:00.5Z\",\"mail\":\"a.b@example.org\",\"short\":\"é\"}";
        accepts(dfa, good, good.replace("\"é\"", "null"), good.replace("\"é\"", "\"\\n😀\""));
        rejects(dfa, good.replace("ABC", "AbC"), good.replace("426614174000", "42661417400"),
                good.replace("02:30", "24:30"), good.replace("a.b@", "a.b"), good.replace("\"é\"", "\"\""),
                good.replace("\"é\"", "\"abc\""));
    }

    @Test
    void aPatternNeverProducesCharactersThatNeedEscaping() {
        ByteDfa dfa = Constraints.jsonSchema("{\"type\": \"string\", \"pattern\": \".*\"}");
        accepts(dfa, "\"plain text é\"");
        rejects(dfa, "\"a\"b\"", "\"a\\b\"", "\"a\tb\"");
    }

    @Test
    void sampledInstancesAreValidJson() throws Exception {
        ByteDfa dfa = Constraints.jsonSchema("""
                {"type": "object", "required": ["answer", "steps"], "properties": {
                  "answer": {"type": "integer"}, "unit": {"enum": ["m", "s"]},
                  "steps": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}}""");
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            String text = sample(dfa, random);
            JsonNode parsed = JSON.readTree(text);
            assertThat(parsed.get("answer").isIntegralNumber()).as(text).isTrue();
            assertThat(parsed.get("steps").size()).as(text).isLessThanOrEqualTo(3);
            assertThat(parsed.size()).as(text).isBetween(2, 3);
        }
    }

    @Test
    void integerRangesAgreeWithArithmetic() {
        java.util.Random random = new java.util.Random(8);
        for (int trial = 0; trial < 150; trial++) {
            Long min = random.nextInt(5) == 0 ? null : (long) random.nextInt(3000) - 1500;
            Long max = random.nextInt(5) == 0 ? null : (min == null ? 0 : min) + random.nextInt(2500);
            String schema = "{\"type\": \"integer\"" + (min == null ? "" : ", \"minimum\": " + min)
                    + (max == null ? "" : ", \"maximum\": " + max) + "}";
            ByteDfa dfa = Constraints.jsonSchema(schema);
            for (long value = -4000; value <= 4000; value++) {
                boolean inRange = (min == null || value >= min) && (max == null || value <= max);
                assertThat(dfa.matches(Long.toString(value))).as("%s on %d", schema, value).isEqualTo(inRange);
            }
            rejects(dfa, "00", "01", "+1", "1.0", "");
            if (min != null || max != null) {
                rejects(dfa, "-0");
            }
        }
        ByteDfa exclusive = Constraints.jsonSchema("{\"type\": \"integer\", \"exclusiveMinimum\": 2, \"exclusiveMaximum\": 7.5}");
        accepts(exclusive, "3", "7");
        rejects(exclusive, "2", "8");
        ByteDfa huge = Constraints.jsonSchema("{\"type\": \"integer\", \"minimum\": 999999999999999990}");
        accepts(huge, "999999999999999999", "1000000000000000000", "123456789012345678901234");
        rejects(huge, "999999999999999989", "5");
        ByteDfa edges = Constraints.jsonSchema("{\"type\": \"integer\", \"minimum\": -1e18, \"maximum\": 1e18}");
        accepts(edges, "1000000000000000000", "-1000000000000000000", "0", "999999999999999999");
        rejects(edges, "1000000000000000001", "-1000000000000000001", "9999999999999999999");
        ByteDfa top = Constraints.jsonSchema("{\"type\": \"integer\", \"minimum\": 1e18}");
        accepts(top, "1000000000000000000", "9999999999999999999", "10000000000000000000000");
        rejects(top, "999999999999999999");
        assertThatThrownBy(() -> Constraints.jsonSchema("{\"type\": \"integer\", \"minimum\": 3, \"maximum\": 2}"))
                .isInstanceOf(ConstraintException.class).hasMessageContaining("empty");
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        refused("{\"type\": \"number\", \"minimum\": 0}", "minimum");
        refused("{\"type\": \"integer\", \"minimum\": 1e19}", "minimum");
        refused("{\"type\": \"number\", \"exclusiveMaximum\": 1}", "exclusiveMaximum");
        refused("{\"$ref\": \"#/$defs/a\"}", "$ref");
        refused("{\"type\": \"object\", \"additionalProperties\": {\"type\": \"string\"}}", "additionalProperties");
        refused("{\"type\": \"object\", \"properties\": {}, \"required\": [\"x\"]}", "required");
        refused("{\"oneOf\": [{\"type\": \"string\"}]}", "oneOf");
        refused("{\"type\": \"string\", \"format\": \"hostname\"}", "format");
        refused("{\"type\": \"array\"}", "items");
        refused("{\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"uniqueItems\": true}", "uniqueItems");
        refused("{\"description\": \"anything\"}", "type");
        refused("true", "type");
        assertThatThrownBy(() -> Constraints.jsonSchema("{\"type\": "))
                .isInstanceOf(ConstraintException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Constraints.jsonSchema("{\"type\": \"string\", \"pattern\": \"(?=a)\"}"))
                .isInstanceOf(ConstraintException.class).hasMessageContaining("lookahead");
    }

    @Test
    void choiceTakesExactlyTheOptions() {
        ByteDfa dfa = Constraints.choice(List.of("yes", "no", "a.b*", "", "ünï"));
        accepts(dfa, "yes", "no", "a.b*", "", "ünï");
        rejects(dfa, "ye", "yesno", "a.bb", "axb", "YES");
        assertThatThrownBy(() -> Constraints.choice(List.of())).isInstanceOf(ConstraintException.class);
    }

    private static void refused(String schema, String keyword) {
        assertThatThrownBy(() -> Constraints.jsonSchema(schema))
                .as(schema)
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> assertThat(e.keyword()).isEqualTo(keyword))
                .hasMessageContaining("'" + keyword + "'");
    }

    private static void accepts(ByteDfa dfa, String... texts) {
        for (String text : texts) {
            assertThat(dfa.matches(text)).as(text).isTrue();
        }
    }

    private static void rejects(ByteDfa dfa, String... texts) {
        for (String text : texts) {
            assertThat(dfa.matches(text)).as(text).isFalse();
        }
    }

    /** A random accepted text: random live bytes, then (after 40 bytes) the shortest way to acceptance. */
    static String sample(ByteDfa dfa, Random random) {
        int[] distance = ByteDfaTest.distancesToAcceptance(dfa);
        int state = dfa.start();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        while (!(dfa.isAccepting(state) && (random.nextInt(4) == 0 || bytes.size() >= 40 || !dfa.canContinue(state)))) {
            List<Integer> choices = new java.util.ArrayList<>();
            for (int b = 0; b < 256; b++) {
                int next = dfa.next(state, b);
                if (next != ByteDfa.DEAD && (bytes.size() < 40 || distance[next] < distance[state])) {
                    choices.add(b);
                }
            }
            int b = choices.get(random.nextInt(choices.size()));
            bytes.write(b);
            state = dfa.next(state, b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
