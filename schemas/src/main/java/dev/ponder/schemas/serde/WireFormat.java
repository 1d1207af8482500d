package dev.ponder.schemas.serde;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The Confluent Schema Registry wire format: one magic byte {@code 0}, the schema id as a 4-byte
 * big-endian int, then the Avro binary encoding of the datum with that schema.
 */
public final class WireFormat {
    /** The first byte of every framed record. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header for {@code schemaId} at the start of {@code target}. */
    public static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }

    /**
     * Checks the header of {@code data} and returns the schema id it names.
     *
     * @throws AvroSerdeException {@code TRUNCATED} when shorter than the header, {@code WRONG_MAGIC_BYTE}
     *     when the first byte is not 0
     */
    public static int schemaId(byte[] data, String topic) {
        if (data.length == 0) {
            throw new AvroSerdeException(AvroSerdeException.Kind.TRUNCATED,
                    "Cannot deserialize the record from topic '" + topic + "': the payload is empty (0 bytes); "
                            + "a Confluent wire-format record has at least a 5-byte header");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new AvroSerdeException(AvroSerdeException.Kind.WRONG_MAGIC_BYTE,
                    String.format("Cannot deserialize the record from topic '%s': wrong magic byte 0x%02x (expected 0x00); "
                                    + "the payload is not in the Confluent wire format (first bytes: %s)",
                            topic, data[0] & 0xff, preview(data)));
        }
        if (data.length < HEADER_SIZE) {
            throw new AvroSerdeException(AvroSerdeException.Kind.TRUNCATED,
                    "Cannot deserialize the record from topic '" + topic + "': truncated payload of " + data.length
                            + " bytes; the header alone needs " + HEADER_SIZE + " (magic byte + 4-byte schema id)");
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }

    /** Hex of the first bytes, for error messages. */
    static String preview(byte[] data) {
        int n = Math.min(data.length, 16);
        String hex = HexFormat.ofDelimiter(" ").formatHex(data, 0, n);
        return n < data.length ? hex + " ... (" + data.length + " bytes)" : hex;
    }
}
