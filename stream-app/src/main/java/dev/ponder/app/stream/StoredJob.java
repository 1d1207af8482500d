package dev.ponder.app.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.json.RecordJson;
import java.io.IOException;
import java.util.Base64;

/**
 * An accepted job as the state store keeps it: the request, the input record's key (copied to the outputs)
 * and when it was accepted (for the answer's timings and to resubmit in arrival order).
 *
 * <p>The stored form is JSON with a version number, the request in the plain JSON of {@link RecordJson}: it
 * survives a schema change between the version that stored a job and the one that resumes it (fields added
 * with defaults), without a schema registry lookup on the restore path.
 */
public record StoredJob(String requestId, byte[] key, long acceptedAtMs, ReasoningRequest request) {
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] encode() {
        ObjectNode node = JSON.createObjectNode();
        node.put("v", FORMAT);
        node.put("request_id", requestId);
        if (key != null) {
            node.put("key", Base64.getEncoder().encodeToString(key));
        }
        node.put("accepted_at", acceptedAtMs);
        try {
            node.set("request", JSON.readTree(RecordJson.toJson(request)));
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode job " + requestId + " for the store", e);
        }
    }

    public static StoredJob decode(byte[] bytes) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored job is not valid JSON: " + e.getMessage(), e);
        }
        int format = node.path("v").asInt(-1);
        if (format != FORMAT) {
            throw new IllegalArgumentException("a stored job has format " + format + "; this version reads format " + FORMAT);
        }
        JsonNode key = node.get("key");
        ReasoningRequest request = RecordJson.fromJson(node.path("request").toString(), ReasoningRequest.class);
        return new StoredJob(node.path("request_id").asText(), key == null ? null : Base64.getDecoder().decode(key.asText()),
                node.path("accepted_at").asLong(), request);
    }
}
