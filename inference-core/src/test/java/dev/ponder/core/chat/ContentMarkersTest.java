package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.chat.RenderedPrompt.Segment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContentMarkersTest {
    private final ContentMarkers markers = new ContentMarkers(new Random(42));

    @Test
    void wrappedContentDecodesToUntrustedRuns() {
        String encoded = "<a>" + markers.wrap("x") + "<b>" + markers.wrap("y") + markers.wrap("z");
        assertThat(markers.decode(encoded).segments())
                .containsExactly(new Segment("<a>", true), new Segment("x", false), new Segment("<b>", true),
                        new Segment("yz", false));
    }

    @Test
    void encodeAndDecodeRoundTrip() {
        MarkedText original = new MarkedText.Builder().appendTrusted("t1").appendContent("c1").appendTrusted("t2")
                .build();
        MarkedText back = markers.decode(markers.encode(original));
        assertThat(back.segments()).isEqualTo(original.segments());
    }

    @Test
    void cutMarkersAreReported() {
        String wrapped = markers.wrap("content");
        assertThatThrownBy(() -> markers.decode(wrapped.substring(0, wrapped.length() - 3)))
                .isInstanceOf(ContentMarkers.MalformedMarkersException.class);
        assertThatThrownBy(() -> markers.decode(wrapped.substring(20)))
                .isInstanceOf(ContentMarkers.MalformedMarkersException.class);
    }

    @Test
    void anotherInstancesMarkersAreJustText() {
        ContentMarkers other = new ContentMarkers(new Random(43));
        String foreign = other.wrap("x");
        assertThat(markers.occurIn(foreign)).isFalse();
        assertThat(markers.decode(foreign).segments()).containsExactly(new Segment(foreign, true));
        assertThat(ContentMarkers.stripAll("a" + foreign + "b")).isEqualTo("axb");
    }

    @Test
    void emptyContentIsNotWrapped() {
        assertThat(markers.wrap("")).isEmpty();
    }
}
