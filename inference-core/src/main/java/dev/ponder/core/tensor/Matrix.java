package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufTensorInfo;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor of {@code rows} rows of {@code cols} elements in some storage format, backed by
 * (usually memory-mapped) bytes. The product reads and dequantizes each row once per call and applies
 * it to every activation vector of the batch.
 */
public record Matrix(String name, WeightFormat format, MemorySegment data, int rows, int cols) {

    public Matrix {
        long expected = format.rowBytes(cols) * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + data.byteSize() + " bytes, expected "
                    + expected + " for " + rows + " rows of " + cols + " " + format.type());
        }
    }

    /** The 2-D tensor {@code name} of a GGUF file (dims[0] = cols, dims[1] = rows). */
    public static Matrix of(GgufFile file, String name) {
        GgufTensorInfo info = file.tensor(name);
        if (info.rank() > 2 && info.dim(2) * info.dim(3) != 1) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + info.shapeString() + ", expected 2-D");
        }
        return new Matrix(name, WeightFormats.of(info.type(), name), file.tensorData(info),
                Math.toIntExact(info.dim(1)), Math.toIntExact(info.dim(0)));
    }

    public long rowBytes() {
        return format.rowBytes(cols);
    }

    /** Dequantizes row {@code row} into {@code out[offset..offset+cols)}. */
    public void dequantizeRow(int row, float[] out, int offset) {
        format.dequantize(data, row * rowBytes(), out, offset, cols);
    }

    /**
     * {@code y[b * rows + r] = row r . x[b * cols ..]} for b in [0, batch): batch vectors of cols in,
     * batch vectors of rows out, rows split over the pool.
     */
    public void multiply(float[] x, int batch, float[] y, Parallel parallel) {
        multiply(x, cols, batch, y, rows, 0, parallel);
    }

    /**
     * The general form: activation vector b starts at {@code x[b * xStride]}, its result for row r goes to
     * {@code y[yOffset + b * yStride + r]} (so several matrices can write side by side into one buffer).
     */
    public void multiply(float[] x, int xStride, int batch, float[] y, int yStride, int yOffset, Parallel parallel) {
        long rowBytes = rowBytes();
        if (batch == 1) {
            parallel.forRange(rows, 64, (start, end, worker) -> {
                float[] scratch = parallel.scratch(worker, cols);
                for (int r = start; r < end; r++) {
                    format.dotRow(data, r * rowBytes, cols, x, xStride, 1, y, yOffset + r, yStride, scratch);
                }
            });
            return;
        }
        // Batches go two rows at a time (see WeightFormat.dotRowPair); an odd last row goes alone.
        int pairs = (rows + 1) / 2;
        int grain = Math.max(1, 32 / batch);
        parallel.forRange(pairs, grain, (start, end, worker) -> {
            float[] scratch = parallel.scratch(worker, WeightFormat.pairScratch(cols));
            for (int p = start; p < end; p++) {
                int r = 2 * p;
                if (r + 1 < rows) {
                    format.dotRowPair(data, r * rowBytes, (r + 1) * rowBytes, cols, x, xStride, batch, y, yOffset + r,
                            yOffset + r + 1, yStride, scratch);
                } else {
                    format.dotRow(data, r * rowBytes, cols, x, xStride, batch, y, yOffset + r, yStride, scratch);
                }
            }
        });
    }
}
