package dev.ponder.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/** Checks a candidate schema against earlier versions the way the Confluent registry does. */
final class CompatibilityRules {
    private CompatibilityRules() {
    }

    /**
     * @param earlier the subject's versions, oldest first
     */
    static CompatibilityResult check(CompatibilityLevel level, Schema candidate, List<Schema> earlier) {
        if (level == CompatibilityLevel.NONE || earlier.isEmpty()) {
            return new CompatibilityResult(true, List.of());
        }
        List<Schema> against = level.transitive() ? earlier : List.of(earlier.getLast());
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < against.size(); i++) {
            Schema old = against.get(i);
            int version = level.transitive() ? i + 1 : earlier.size();
            if (level.backward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "the new schema cannot read data written with version " + version, messages);
            }
            if (level.forward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "version " + version + " cannot read data written with the new schema", messages);
            }
        }
        return new CompatibilityResult(messages.isEmpty(), messages);
    }

    private static void describe(SchemaPairCompatibility result, String what, List<String> messages) {
        if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            messages.add(what + ": " + incompatibility.getType() + " at " + incompatibility.getLocation()
                    + " (" + incompatibility.getMessage() + ")");
        }
        if (result.getResult().getIncompatibilities().isEmpty()) {
            messages.add(what + ": " + result.getDescription());
        }
    }
}
