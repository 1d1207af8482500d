package dev.ponder.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The independent PyTorch reference outputs in ../shared/models/golden-tiny-reasoner.json. */
public record GoldenReference(String system, String user, String promptText, int[] promptIds,
                              Map<Integer, Float> lastLogits, int[] top10Ids, float[] top10Logits,
                              int[] greedyIds, String greedyText, float[] greedyStepMaxLogits) {

    /** The cases for one model file: "f32" or "q8_0". */
    public static List<GoldenReference> load(String variant) {
        try {
            JsonNode root = new ObjectMapper().readTree(TestFiles.sharedModel("golden-tiny-reasoner.json").toFile());
            List<GoldenReference> cases = new ArrayList<>();
            for (JsonNode c : root.path("model").path(variant)) {
                Map<Integer, Float> logits = new LinkedHashMap<>();
                c.path("last_logits_used_ids").properties().forEach(e -> logits.put(Integer.parseInt(e.getKey()),
                        (float) e.getValue().asDouble()));
                JsonNode top = c.path("top10");
                int[] topIds = new int[top.size()];
                float[] topLogits = new float[top.size()];
                for (int i = 0; i < top.size(); i++) {
                    topIds[i] = top.get(i).get(0).asInt();
                    topLogits[i] = (float) top.get(i).get(1).asDouble();
                }
                cases.add(new GoldenReference(c.path("system").isNull() ? null : c.path("system").asText(),
                        c.path("user").asText(), c.path("prompt_text").asText(), ints(c.path("prompt_ids")), logits,
                        topIds, topLogits, ints(c.path("greedy_ids")), c.path("greedy_text").asText(),
                        floats(c.path("greedy_step_max_logits"))));
            }
            if (cases.isEmpty()) {
                throw new IllegalStateException("no golden cases for " + variant);
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    @Override
    public String toString() {
        return (system == null ? "" : "[system] ") + user;
    }
}
