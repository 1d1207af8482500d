package dev.ponder.app.config;

import java.util.List;

/** The four topic names. */
public record Topics(String requests, String reasoning, String answers, String deadLetter) {
    public static Topics from(ServiceConfig c) {
        Topics t = new Topics(c.string("topics.requests"), c.string("topics.reasoning"), c.string("topics.answers"),
                c.string("topics.dead.letter"));
        for (String name : t.all()) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("every topics.* name must be set");
            }
        }
        if (t.all().stream().distinct().count() != 4) {
            throw new IllegalArgumentException("the four topics must be different: " + t.all());
        }
        return t;
    }

    public List<String> all() {
        return List.of(requests, reasoning, answers, deadLetter);
    }
}
