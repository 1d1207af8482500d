package dev.ponder.schemas.registry;

import java.util.Arrays;
import java.util.Locale;

/** The Confluent Schema Registry compatibility levels. */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** New schema must read data written with the previous one(s). */
    public boolean backward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Previous schema(s) must read data written with the new one. */
    public boolean forward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /** Checked against every earlier version rather than only the latest. */
    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /** Parses a level as the registry spells it (case-insensitive). */
    public static CompatibilityLevel parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown compatibility level '" + text + "'; expected one of "
                    + Arrays.toString(values()), e);
        }
    }
}
