package dev.ponder.core.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads little-endian GGUF primitives from a memory segment at a 64-bit position, checking every bound. */
final class SegmentCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment segment;
    private final String source;
    private long position;
    /** What is being read, for error messages ("metadata key 'x'", "tensor info #3"). */
    private String context = "header";

    SegmentCursor(MemorySegment segment, String source) {
        this.segment = segment;
        this.source = source;
    }

    long position() {
        return position;
    }

    void position(long position) {
        this.position = position;
    }

    long remaining() {
        return segment.byteSize() - position;
    }

    void context(String context) {
        this.context = context;
    }

    String context() {
        return context;
    }

    GgufFormatException error(String message) {
        return new GgufFormatException(source + ": " + message + " (while reading " + context + " at byte " + position + ")");
    }

    private void need(long bytes, String what) {
        if (bytes < 0 || bytes > remaining()) {
            throw error("truncated: " + what + " needs " + bytes + " bytes but the file ends after "
                    + Math.max(0, remaining()) + " more");
        }
    }

    byte u8(String what) {
        need(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, position++);
    }

    short u16(String what) {
        need(2, what);
        short v = segment.get(U16, position);
        position += 2;
        return v;
    }

    int u32(String what) {
        need(4, what);
        int v = segment.get(U32, position);
        position += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = segment.get(U64, position);
        position += 8;
        return v;
    }

    float f32(String what) {
        need(4, what);
        float v = segment.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String what) {
        need(8, what);
        double v = segment.get(F64, position);
        position += 8;
        return v;
    }

    /** A count stored as uint64 that must be non-negative and leave room for {@code minBytesEach} per item. */
    long count(String what, long minBytesEach) {
        long n = u64(what);
        if (n < 0) {
            throw error(what + " is " + Long.toUnsignedString(n) + ", beyond any real file");
        }
        if (minBytesEach > 0 && n > remaining() / minBytesEach) {
            throw error("truncated or corrupt: " + what + " is " + n + " but only " + remaining() + " bytes remain in the file");
        }
        return n;
    }

    String string(String what) {
        long length = count(what + " length", 1);
        if (length > Integer.MAX_VALUE - 16) {
            throw error(what + " is " + length + " bytes long, more than a string can hold");
        }
        byte[] bytes = segment.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(what + " is not valid UTF-8");
        }
    }
}
