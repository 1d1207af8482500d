package dev.ponder.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that never trusts a length it reads: every string,
 * bytes, fixed and block length is checked against the bytes actually left before anything is
 * allocated, varints may not run past their width, booleans must be 0 or 1 and strings must be
 * valid UTF-8. A hostile or corrupt payload therefore fails with a {@link MalformedPayloadException}
 * naming the offset, instead of an out-of-memory error or a silently wrong value.
 *
 * <p>Not thread-safe; one instance per payload.
 */
final class BoundedBinaryDecoder extends Decoder {
    /**
     * Items of an array or map block beyond the bytes left are allowed up to this many (an item of
     * type null or an empty record takes no bytes); past it a count is taken as corrupt.
     */
    static final long ZERO_SIZE_ITEM_ALLOWANCE = 1024;

    /** A payload that does not decode: truncated, or with an impossible value. */
    static final class MalformedPayloadException extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean truncated;

        MalformedPayloadException(String message, boolean truncated) {
            super(message);
            this.truncated = truncated;
        }

        boolean truncated() {
            return truncated;
        }
    }

    private final byte[] buf;
    private int pos;
    private final int limit;
    private final int start;

    BoundedBinaryDecoder(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.start = offset;
        this.limit = offset + length;
    }

    /** Bytes not consumed yet. */
    int remaining() {
        return limit - pos;
    }

    /** Offset of the next byte from the start of the Avro body. */
    int position() {
        return pos - start;
    }

    private MalformedPayloadException truncated(String what, long needed) {
        return new MalformedPayloadException("truncated payload: " + what + " at byte " + position()
                + " of the Avro body needs " + needed + " bytes but only " + remaining() + " remain", true);
    }

    private MalformedPayloadException invalid(String message) {
        return new MalformedPayloadException(message + " at byte " + position() + " of the Avro body", false);
    }

    private void require(String what, long n) throws MalformedPayloadException {
        if (n > remaining()) {
            throw truncated(what, n);
        }
    }

    @Override
    public void readNull() {
        // null takes no bytes
    }

    @Override
    public boolean readBoolean() throws IOException {
        require("a boolean", 1);
        byte b = buf[pos];
        if (b != 0 && b != 1) {
            throw invalid("invalid boolean byte 0x" + Integer.toHexString(b & 0xff) + " (must be 0 or 1)");
        }
        pos++;
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        int begin = pos;
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= limit) {
                pos = begin;
                throw truncated("a varint int", Math.max(remaining() + 1, 1));
            }
            int b = buf[pos++] & 0xff;
            if (shift == 28 && (b & 0xf0) != 0) {
                pos = begin;
                throw invalid("malformed varint: an int may not use more than 32 bits");
            }
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AssertionError("unreachable");
    }

    @Override
    public long readLong() throws IOException {
        int begin = pos;
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                pos = begin;
                throw truncated("a varint long", Math.max(remaining() + 1, 1));
            }
            int b = buf[pos++] & 0xff;
            if (shift == 63 && (b & 0xfe) != 0) {
                pos = begin;
                throw invalid("malformed varint: a long may not use more than 64 bits");
            }
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AssertionError("unreachable");
    }

    @Override
    public float readFloat() throws IOException {
        require("a float", 4);
        int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require("a double", 8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = bits << 8 | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    private int readLength(String what) throws IOException {
        int at = position();
        long n = readLong();
        if (n < 0) {
            throw new MalformedPayloadException("negative " + what + " length " + n + " at byte " + at + " of the Avro body", false);
        }
        require("a " + what + " of length " + n, n);
        return (int) n;
    }

    private String decodeUtf8(int offset, int length) throws MalformedPayloadException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, offset, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw invalid("string of length " + length + " is not valid UTF-8");
        }
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int n = readLength("string");
        decodeUtf8(pos, n);
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(n);
        System.arraycopy(buf, pos, result.getBytes(), 0, n);
        pos += n;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int n = readLength("string");
        String s = decodeUtf8(pos, n);
        pos += n;
        return s;
    }

    @Override
    public void skipString() throws IOException {
        int n = readLength("string");
        pos += n;
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int n = readLength("bytes");
        ByteBuffer result;
        if (old != null && old.capacity() >= n) {
            result = old;
            result.clear();
        } else {
            result = ByteBuffer.allocate(n);
        }
        result.put(buf, pos, n);
        result.flip();
        pos += n;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        int n = readLength("bytes");
        pos += n;
    }

    @Override
    public void readFixed(byte[] bytes, int offset, int length) throws IOException {
        require("a fixed of size " + length, length);
        System.arraycopy(buf, pos, bytes, offset, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require("a fixed of size " + length, length);
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        int at = position();
        int i = readInt();
        if (i < 0) {
            throw new MalformedPayloadException("negative enum index " + i + " at byte " + at + " of the Avro body", false);
        }
        return i;
    }

    @Override
    public int readIndex() throws IOException {
        int at = position();
        int i = readInt();
        if (i < 0) {
            throw new MalformedPayloadException("negative union branch index " + i + " at byte " + at + " of the Avro body", false);
        }
        return i;
    }

    /** Reads a block header: the item count (0 ends the array or map). */
    private long readBlockCount(String what) throws IOException {
        int at = position();
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new MalformedPayloadException("invalid " + what + " block count at byte " + at + " of the Avro body", false);
            }
            count = -count;
            int sizeAt = position();
            long size = readLong();
            if (size < 0) {
                throw new MalformedPayloadException("negative " + what + " block size " + size + " at byte " + sizeAt + " of the Avro body", false);
            }
            require(what + " block of " + size + " bytes", size);
        }
        if (count > remaining() + ZERO_SIZE_ITEM_ALLOWANCE) {
            throw new MalformedPayloadException(what + " block of " + count + " items at byte " + at
                    + " of the Avro body cannot fit in the " + remaining() + " bytes left", count > 0 && remaining() == 0);
        }
        return count;
    }

    /** Skips whole blocks written with their byte size; returns the item count of the first block without one. */
    private long skipBlocks(String what) throws IOException {
        while (true) {
            int at = position();
            long count = readLong();
            if (count >= 0) {
                if (count > remaining() + ZERO_SIZE_ITEM_ALLOWANCE) {
                    throw new MalformedPayloadException(what + " block of " + count + " items at byte " + at
                            + " of the Avro body cannot fit in the " + remaining() + " bytes left", false);
                }
                return count;
            }
            if (count == Long.MIN_VALUE) {
                throw new MalformedPayloadException("invalid " + what + " block count at byte " + at + " of the Avro body", false);
            }
            long size = readLong();
            if (size < 0) {
                throw invalid("negative " + what + " block size " + size);
            }
            require(what + " block of " + size + " bytes", size);
            pos += (int) size;
        }
    }

    @Override
    public long readArrayStart() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long arrayNext() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks("array");
    }

    @Override
    public long readMapStart() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long mapNext() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks("map");
    }
}
