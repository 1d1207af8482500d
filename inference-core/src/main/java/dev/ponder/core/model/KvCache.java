package dev.ponder.core.model;

/**
 * Key/value storage for attention, paged: the cache holds {@code blockCount} blocks of
 * {@code blockSize} token slots per layer, and a sequence reaches its tokens through a block table
 * (position p lives in block {@code table[p / blockSize]}, slot {@code p % blockSize}). Which blocks a
 * sequence owns is decided outside (an allocator, a prefix cache); this class only stores.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int blockSize;
    private final int blockCount;
    private final float[][] keys;
    private final float[][] values;

    public KvCache(int layers, int kvDim, int blockSize, int blockCount) {
        long perLayer = (long) blockSize * blockCount * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + blockCount + " blocks of " + blockSize + " tokens x "
                    + kvDim + " floats exceeds one array per layer; lower the KV budget");
        }
        this.layers = layers;
        this.kvDim = kvDim;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.keys = new float[layers][(int) perLayer];
        this.values = new float[layers][(int) perLayer];
    }

    public static KvCache forModel(ModelConfig config, int blockSize, int blockCount) {
        return new KvCache(config.blockCount(), config.kvDim(), blockSize, blockCount);
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return blockCount;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Bytes per token slot over all layers (keys and values, float32). */
    public long bytesPerToken() {
        return 2L * layers * kvDim * Float.BYTES;
    }

    /** Float offset of the slot for {@code position} of a sequence with block table {@code table}. */
    public int offset(int[] table, int position) {
        int block = table[position / blockSize];
        return (block * blockSize + position % blockSize) * kvDim;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Copies one block's slots (all layers) to another block: used when a shared block must be written. */
    public void copyBlock(int from, int to) {
        int n = blockSize * kvDim;
        for (int l = 0; l < layers; l++) {
            System.arraycopy(keys[l], from * n, keys[l], to * n, n);
            System.arraycopy(values[l], from * n, values[l], to * n, n);
        }
    }
}
