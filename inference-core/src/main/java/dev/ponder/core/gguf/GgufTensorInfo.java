package dev.ponder.core.gguf;

import java.util.Arrays;

/**
 * One entry of the tensor table. {@code dims[0]} is the innermost (row) dimension, as in GGML;
 * {@code offset} is relative to the start of the data section and {@code fileOffset} absolute.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] dims, long offset, long fileOffset) {

    public GgufTensorInfo {
        dims = dims.clone();
    }

    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of tensor data. */
    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Elements of one row (dims[0]) and the number of rows (the product of the other dims). */
    public long rowLength() {
        return dims.length == 0 ? 1 : dims[0];
    }

    public long rowCount() {
        return elementCount() / Math.max(1, rowLength());
    }

    public String shapeString() {
        return Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && fileOffset == t.fileOffset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shapeString();
    }
}
