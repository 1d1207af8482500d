package dev.ponder.core.gguf;

/** Reads typed metadata values, including nested arrays, from a cursor. */
final class MetadataReader {
    /** Arrays nested deeper than this are refused: no real file needs it and it bounds recursion. */
    private static final int MAX_NESTING = 8;
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 16;

    private final SegmentCursor in;

    MetadataReader(SegmentCursor in) {
        this.in = in;
    }

    GgufValue readValue() {
        GgufValueType type = readType("value type");
        return new GgufValue(type, readScalarOrArray(type, 0));
    }

    private GgufValueType readType(String what) {
        int id = in.u32(what);
        GgufValueType type = GgufValueType.byId(Integer.toUnsignedLong(id));
        if (type == null) {
            throw in.error("unknown metadata " + what + " id " + Integer.toUnsignedString(id));
        }
        return type;
    }

    private Object readScalarOrArray(GgufValueType type, int depth) {
        return switch (type) {
            case UINT8, INT8 -> in.u8("value");
            case UINT16, INT16 -> in.u16("value");
            case UINT32, INT32 -> in.u32("value");
            case UINT64, INT64 -> in.u64("value");
            case FLOAT32 -> in.f32("value");
            case FLOAT64 -> in.f64("value");
            case BOOL -> readBool();
            case STRING -> in.string("string value");
            case ARRAY -> readArray(depth);
        };
    }

    private boolean readBool() {
        byte b = in.u8("bool value");
        if (b != 0 && b != 1) {
            throw in.error("bool value is " + (b & 0xff) + ", expected 0 or 1");
        }
        return b == 1;
    }

    private GgufArray readArray(int depth) {
        if (depth >= MAX_NESTING) {
            throw in.error("arrays nested more than " + MAX_NESTING + " deep");
        }
        GgufValueType elementType = readType("array element type");
        long count = in.count("array length", elementType.minBytes());
        if (count > MAX_ARRAY_LENGTH) {
            throw in.error("array length " + count + " is more than an array can hold");
        }
        int n = (int) count;
        Object elements = switch (elementType) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) a[i] = in.u8("array element");
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = readBool();
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) a[i] = in.u16("array element");
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = in.u32("array element");
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = in.u64("array element");
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = in.f32("array element");
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = in.f64("array element");
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = in.string("array string #" + i);
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) a[i] = readArray(depth + 1);
                yield a;
            }
        };
        return new GgufArray(elementType, elements);
    }
}
