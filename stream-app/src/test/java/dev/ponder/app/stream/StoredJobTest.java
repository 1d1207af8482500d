package dev.ponder.app.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.schemas.avro.ChatMessage;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.SamplingOverrides;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredJobTest {
    @Test
    void aJobSurvivesTheStoreUnchanged() {
        ReasoningRequest r = ReasoningRequest.newBuilder().setRequestId("j-1")
                .setMessages(List.of(new ChatMessage("user", "Héllo \"quoted\"\n", null, null)))
                .setSampling(SamplingOverrides.newBuilder().setTemperature(0.7f).setSeed(9L).build())
                .setDeadline(Instant.ofEpochMilli(1_800_000_000_000L)).setStop(List.of("</answer>"))
                .setMetadata(Map.of("k", "v")).build();
        StoredJob job = new StoredJob("j-1", "key".getBytes(StandardCharsets.UTF_8), 1234L, r);
        StoredJob back = StoredJob.decode(job.encode());
        assertThat(back.request()).isEqualTo(r);
        assertThat(back.key()).isEqualTo(job.key());
        assertThat(back.acceptedAtMs()).isEqualTo(1234L);
        StoredJob nullKey = StoredJob.decode(new StoredJob("j-1", null, 1, r).encode());
        assertThat(nullKey.key()).isNull();
    }

    @Test
    void anUnknownFormatIsRefusedWithAReason() {
        assertThatThrownBy(() -> StoredJob.decode("{\"v\": 99}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("format 99");
    }
}
