package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufTensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A 2-D weight tensor of {@code rows} rows of {@code cols} elements in some storage format, backed by
 * (usually memory-mapped) bytes. The product reads and dequantizes each row once per call and applies
 * it to every activation vector of the batch.
 *
 * <p>Q4_0, Q5_0 and Q8_0 matrices take the integer path when it is on (the default, on machines with 512-bit vectors;
 * Q4_K too with {@code -Dponder.integer.q4_k=true}, see {@link IntegerWeights}): the weights are repacked once and
 * multiplied by activations quantized per block ({@link QuantizedVectors}). The system property {@value #INTEGER_PROPERTY}{@code =false} turns it off and
 * every format then uses its float kernels. Either way a matrix gives each output the bits of
 * {@link #rowProduct}, whatever the batch.
 */
public final class Matrix {
    /** The switch of the integer path: {@code -Dponder.integer.dot=false} turns it off. */
    public static final String INTEGER_PROPERTY = "ponder.integer.dot";
    private static final boolean INTEGER_BY_DEFAULT =
            !"false".equalsIgnoreCase(System.getProperty(INTEGER_PROPERTY, "true")) && IntegerWeights.supported();
    /** The activations of the integer path, quantized on the calling thread's buffers. */
    private static final ThreadLocal<QuantizedVectors> QUANTIZED = ThreadLocal.withInitial(QuantizedVectors::new);

    private final String name;
    private final WeightFormat format;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    /** The repacked weights of the integer path, or null when this matrix uses the float kernels. */
    private final IntegerWeights integer;

    public Matrix(String name, WeightFormat format, MemorySegment data, int rows, int cols) {
        this(name, format, data, rows, cols, INTEGER_BY_DEFAULT);
    }

    /**
     * As above, with the integer path on or off for this matrix (it applies to the formats of
     * {@link IntegerWeights#hasIntegerPath}).
     */
    public Matrix(String name, WeightFormat format, MemorySegment data, int rows, int cols, boolean integerPath) {
        long expected = format.rowBytes(cols) * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + data.byteSize() + " bytes, expected "
                    + expected + " for " + rows + " rows of " + cols + " " + format.type());
        }
        this.name = name;
        this.format = format;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.integer = integerPath && IntegerWeights.supported() && IntegerWeights.hasIntegerPath(format.type())
                ? IntegerWeights.of(format.type(), data, rows, cols) : null;
    }

    /** Whether the integer path is on by default in this JVM (property and vector width). */
    public static boolean integerPathByDefault() {
        return INTEGER_BY_DEFAULT;
    }

    public String name() {
        return name;
    }

    public WeightFormat format() {
        return format;
    }

    public MemorySegment data() {
        return data;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Whether this matrix multiplies through integer dot products. */
    public boolean usesIntegerPath() {
        return integer != null;
    }

    /** The 2-D tensor {@code name} of a GGUF file (dims[0] = cols, dims[1] = rows). */
    public static Matrix of(GgufFile file, String name) {
        return of(file, name, INTEGER_BY_DEFAULT);
    }

    /**
     * As {@link #of(GgufFile, String)}, with the integer path on or off (it applies to the formats of
     * {@link IntegerWeights#hasIntegerPath}).
     */
    public static Matrix of(GgufFile file, String name, boolean integerPath) {
        GgufTensorInfo info = file.tensor(name);
        if (info.rank() > 2 && info.dim(2) * info.dim(3) != 1) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + info.shapeString() + ", expected 2-D");
        }
        return new Matrix(name, WeightFormats.of(info.type(), name), file.tensorData(info),
                Math.toIntExact(info.dim(1)), Math.toIntExact(info.dim(0)), integerPath);
    }

    public long rowBytes() {
        return format.rowBytes(cols);
    }

    /**
     * The product of row {@code row} with the vector at {@code x[xOffset..]}, computed one element at a time
     * by the reference of the path this matrix takes: the bits that {@link #multiply} gives that output.
     */
    public float rowProduct(int row, float[] x, int xOffset) {
        float[] vector = Arrays.copyOfRange(x, xOffset, xOffset + cols);
        if (integer != null) {
            QuantizedVectors quantized = new QuantizedVectors().quantize(vector, cols, 1, cols, null);
            return IntegerWeights.referenceDot(format.type(), data, row * rowBytes(), cols, quantized, 0);
        }
        float[] out = new float[1];
        format.dotRow(data, row * rowBytes(), cols, vector, cols, 1, out, 0, 1, new float[cols]);
        return out[0];
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
        if (integer != null) {
            QuantizedVectors quantized = QUANTIZED.get().quantize(x, xStride, batch, cols, parallel,
                    integer.hasPanelKernel());
            int groups = integer.groups();
            int grain = Math.max(1, DECODE_GRAIN / IntegerWeights.GROUP);
            parallel.forRange(groups, grain, (start, end, worker) ->
                    integer.multiply(quantized, y, yStride, yOffset, start, end));
            return;
        }
        if (batch > 1 && format.fusesBatch(batch)) {
            // Small batches through the format's fused kernel, streaming the weights as decode does.
            multiplyStreaming(x, xStride, batch, y, yStride, yOffset, parallel);
            return;
        }
        if (batch < MIN_TILED_BATCH) {
            // Too few vectors to pay for dequantizing: each goes through the decode kernels, which stream the
            // weights at full speed (two or three passes over the weights measured faster than one tiled pass).
            for (int b = 0; b < batch; b++) {
                multiplyOne(x, b * xStride, y, yOffset + b * yStride, parallel);
            }
            return;
        }
        // Batches go in blocks of adjacent rows, each dequantized once (see multiplyBlock).
        int blockRows = blockRows(batch);
        int blocks = (rows + blockRows - 1) / blockRows;
        parallel.forRange(blocks, 1, (start, end, worker) -> {
            float[] scratch = parallel.scratch(worker, blockRows * cols + 24 * VectorMath.LANES);
            for (int block = start; block < end; block++) {
                int first = block * blockRows;
                multiplyBlock(x, xStride, batch, y, yStride, yOffset, first, Math.min(rows, first + blockRows), scratch);
            }
        });
    }

    /**
     * Several matrices of the same width applied to the same {@code batch} vectors of {@code x} (contiguous),
     * matrix i's results to {@code ys[i]} as {@link #multiply(float[], int, float[], Parallel)} places them. When
     * every matrix takes the integer path the vectors are quantized once and all the matrices' rows go in one
     * parallel pass (one hand-off to the pool instead of one per matrix); otherwise one product after another.
     * Each output gets the same bits either way.
     */
    public static void multiply(Matrix[] matrices, float[] x, int batch, float[][] ys, Parallel parallel) {
        int cols = matrices[0].cols;
        boolean allInteger = true;
        for (Matrix m : matrices) {
            if (m.cols != cols) {
                throw new IllegalArgumentException("matrices of " + cols + " and " + m.cols + " columns take different vectors");
            }
            allInteger &= m.integer != null;
        }
        if (!allInteger) {
            for (int i = 0; i < matrices.length; i++) {
                matrices[i].multiply(x, batch, ys[i], parallel);
            }
            return;
        }
        boolean panels = true;
        for (Matrix m : matrices) {
            panels &= m.integer.hasPanelKernel();
        }
        QuantizedVectors quantized = QUANTIZED.get().quantize(x, cols, batch, cols, parallel, panels);
        int[] firstGroup = new int[matrices.length + 1];
        for (int i = 0; i < matrices.length; i++) {
            firstGroup[i + 1] = firstGroup[i] + matrices[i].integer.groups();
        }
        int grain = Math.max(1, DECODE_GRAIN / IntegerWeights.GROUP);
        parallel.forRange(firstGroup[matrices.length], grain, (start, end, worker) -> {
            for (int i = 0; i < matrices.length; i++) {
                int from = Math.max(start, firstGroup[i]);
                int to = Math.min(end, firstGroup[i + 1]);
                if (from < to) {
                    matrices[i].integer.multiply(quantized, ys[i], matrices[i].rows, 0, from - firstGroup[i],
                            to - firstGroup[i]);
                }
            }
        });
    }

    /** One vector at {@code x[xOffset..]}: results to {@code y[yOffset + r]}. */
    private void multiplyOne(float[] x, int xOffset, float[] y, int yOffset, Parallel parallel) {
        float[] vector = xOffset == 0 ? x : Arrays.copyOfRange(x, xOffset, xOffset + cols);
        multiplyStreaming(vector, cols, 1, y, 1, yOffset, parallel);
    }

    /**
     * The rows in chunks over the pool, each chunk walked as four quarters side by side (see
     * multiplyQuarters). A small matrix goes in one chunk per thread: guided chunks would cut it into pieces
     * too short to stream well (the four quarters of a piece end up a few rows apart).
     */
    private void multiplyStreaming(float[] x, int xStride, int batch, float[] y, int yStride, int yOffset,
                                   Parallel parallel) {
        int grain = rows * rowBytes() <= SMALL_MATRIX_BYTES ? (rows + parallel.threads() - 1) / parallel.threads()
                : DECODE_GRAIN;
        parallel.forRange(rows, grain, (start, end, worker) -> multiplyQuarters(x, xStride, batch, y, yStride, yOffset,
                start, end, parallel.scratch(worker, WeightFormat.rows4Scratch(cols))));
    }

    /** Floats of dequantized weights that a block of rows may take: a quarter of a typical L2 cache. */
    private static final int BLOCK_FLOATS = 64 * 1024;
    /** Vectors per pass over a block: their activations stay in cache while the block's rows go by. */
    private static final int VECTORS_PER_PASS = 16;

    /**
     * Rows per block in a batch. Up to {@link #VECTORS_PER_PASS} vectors, four: the rows then stay in the
     * first-level cache while the vectors go by (measured faster at 16 vectors than larger blocks). Larger
     * batches (prompts): a multiple of four, as many as fit in {@link #BLOCK_FLOATS}, at most 32, so that the
     * activations of a pass are reused by more rows (measured 10-20% faster prompt processing).
     */
    int blockRows(int batch) {
        if (batch <= VECTORS_PER_PASS) {
            return 4;
        }
        return Math.max(4, Math.min(32, BLOCK_FLOATS / cols / 4 * 4));
    }

    /**
     * Rows [first, end) with a batch. The rows are dequantized in one sequential pass, then multiplied four
     * rows at a time, {@link #VECTORS_PER_PASS} vectors per pass so that those activations are reused from cache by
     * every row of the block. Rows left over from fours go one at a time.
     */
    private void multiplyBlock(float[] x, int xStride, int batch, float[] y, int yStride, int yOffset, int first,
                               int end, float[] scratch) {
        int count = end - first;
        format.dequantize(data, first * rowBytes(), scratch, 0, count * cols);
        int acc = count * cols;
        int fours = count - count % 4;
        for (int from = 0; from < batch; from += VECTORS_PER_PASS) {
            int to = Math.min(batch, from + VECTORS_PER_PASS);
            for (int k = 0; k < fours; k += 4) {
                FloatRows.multiply4(scratch, k * cols, cols, x, xStride, from, to, y, yOffset + first + k, 1, yStride,
                        scratch, acc);
            }
        }
        for (int k = fours; k < count; k++) {
            for (int b = 0; b < batch; b++) {
                y[yOffset + b * yStride + first + k] = VectorMath.dotAny(scratch, k * cols, x, b * xStride, cols);
            }
        }
    }

    /**
     * Least rows per work chunk in decode. The pool hands out a share of what remains (guided chunks), so the
     * large matrices, which dominate decode, get chunks of hundreds of rows or more and quarters far apart.
     */
    private static final int DECODE_GRAIN = 64;
    /**
     * Batches from this size go through dequantized tiles (unless the format fuses them), smaller ones through
     * the decode kernels per vector.
     */
    private static final int MIN_TILED_BATCH = 4;
    /** Up to this size a matrix is split evenly between the threads in decode (q, k, v and o of Qwen2.5-0.5B). */
    private static final long SMALL_MATRIX_BYTES = 2L << 20;

    /**
     * Rows [start, end) with one vector (decode) or a small batch (formats with fused batch kernels), four
     * rows at a time taken from the four quarters of the range (rows s, s + q, s + 2q, s + 3q): four
     * independent sums per activation load. Why quarters and not four adjacent rows: reading four streams a
     * row apart (about a kilobyte) defeated the hardware prefetcher here and halved the bandwidth from
     * memory, while streams a quarter of the range apart read as fast as one stream.
     */
    private void multiplyQuarters(float[] x, int xStride, int batch, float[] y, int yStride, int yOffset, int start,
                                  int end, float[] scratch) {
        long rowBytes = rowBytes();
        int quarter = (end - start) / 4;
        for (int i = 0; i < quarter; i++) {
            int r = start + i;
            format.dotRows4(data, r * rowBytes, quarter * rowBytes, cols, x, xStride, batch, y, yOffset + r, quarter,
                    yStride, scratch);
        }
        for (int r = start + 4 * quarter; r < end; r++) {
            format.dotRow(data, r * rowBytes, cols, x, xStride, batch, y, yOffset + r, yStride, scratch);
        }
    }
}
