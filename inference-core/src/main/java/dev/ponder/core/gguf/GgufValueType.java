package dev.ponder.core.gguf;

/** The metadata value types of GGUF, with their on-disk ids. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    /** The fewest bytes one value of this type can take on disk (a string's length prefix, an array's header). */
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    int minBytes() {
        return minBytes;
    }

    private static final GgufValueType[] BY_ID = values();

    /** The type with this id, or null when the id is unknown. */
    public static GgufValueType byId(long id) {
        for (GgufValueType type : BY_ID) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
