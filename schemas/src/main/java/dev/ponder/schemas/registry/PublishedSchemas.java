package dev.ponder.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.apache.avro.Schema;

/**
 * A schema as the published contract has it: without {@value #JAVA_STRING}, the property Avro's Java code
 * generator adds to every string type ({@code stringType=String}). Registering that Java detail made the registry
 * keep a second version of a subject whose published {@code .avsc} another client had registered; every client
 * should see one contract.
 */
public final class PublishedSchemas {
    static final String JAVA_STRING = "avro.java.string";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PublishedSchemas() {
    }

    /** {@code schema} without the Java-only string property (the same schema when it has none). */
    public static Schema of(Schema schema) {
        String text = schema.toString();
        if (!text.contains(JAVA_STRING)) {
            return schema;
        }
        try {
            JsonNode tree = JSON.readTree(text);
            strip(tree);
            return new Schema.Parser().parse(JSON.writeValueAsString(tree));
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-read the schema of " + schema.getFullName(), e);
        }
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(JAVA_STRING);
            object.forEach(PublishedSchemas::strip);
        } else if (node instanceof ArrayNode array) {
            array.forEach(PublishedSchemas::strip);
        }
    }
}
