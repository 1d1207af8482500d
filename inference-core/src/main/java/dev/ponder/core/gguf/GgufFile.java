package dev.ponder.core.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file (version 2 or 3), memory-mapped whole with the FFM API so that files far larger than
 * 2 GiB work: every offset is a {@code long}. Tensor data is served as slices of the mapping, never
 * copied. Close the file to unmap it; slices must not be used after that.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int DEFAULT_ALIGNMENT = 32;
    /** GGML tensors have at most four dimensions. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, GgufMetadata metadata,
                     List<GgufTensorInfo> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = Collections.unmodifiableList(tensors);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses a GGUF file; throws {@link GgufFormatException} naming the problem for a bad file. */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return parse(path, arena, mapping);
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        SegmentCursor in = new SegmentCursor(mapping, path.getFileName().toString());
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw in.error(String.format("not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        }
        int version = in.u32("version");
        if (version == 1) {
            throw in.error("GGUF version 1 is not supported (only 2 and 3); convert the file with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? "; this looks like a big-endian GGUF, which is not supported" : "";
            throw in.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)" + hint);
        }
        long tensorCount = in.count("tensor count", 8 + 4 + 8 + 4 + 8);
        long kvCount = in.count("metadata key/value count", 8 + 4);

        Map<String, GgufValue> values = new LinkedHashMap<>();
        MetadataReader metadataReader = new MetadataReader(in);
        for (long i = 0; i < kvCount; i++) {
            in.context("metadata entry #" + i);
            String key = in.string("key");
            in.context("metadata key '" + key + "'");
            GgufValue value = metadataReader.readValue();
            if (values.putIfAbsent(key, value) != null) {
                throw in.error("metadata key '" + key + "' appears twice");
            }
        }
        GgufMetadata metadata = new GgufMetadata(values);
        int alignment = readAlignment(metadata, in);

        List<TensorHeader> headers = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            in.context("tensor info #" + i);
            headers.add(readTensorHeader(in));
        }
        in.context("tensor data");
        long dataOffset = alignUp(in.position(), alignment);
        long fileSize = mapping.byteSize();
        List<GgufTensorInfo> tensors = new ArrayList<>(headers.size());
        Set<String> names = new HashSet<>();
        for (TensorHeader h : headers) {
            if (!names.add(h.name)) {
                throw in.error("tensor '" + h.name + "' appears twice in the tensor table");
            }
            if (h.offset % alignment != 0) {
                throw in.error("tensor '" + h.name + "' data offset " + h.offset + " is not a multiple of the alignment " + alignment);
            }
            GgufTensorInfo info = new GgufTensorInfo(h.name, h.type, h.dims, h.offset, dataOffset + h.offset);
            long bytes;
            try {
                bytes = info.byteSize();
            } catch (ArithmeticException | IllegalArgumentException e) {
                throw in.error("tensor '" + h.name + "' of type " + h.type + " has an impossible shape " + info.shapeString()
                        + ": " + e.getMessage());
            }
            long start = info.fileOffset();
            if (start < 0 || bytes > fileSize - Math.min(start, fileSize) || start > fileSize) {
                throw in.error("tensor '" + h.name + "' data [" + start + ", " + (start + bytes) + ") lies outside the file ("
                        + fileSize + " bytes); the file is truncated or its tensor table is corrupt");
            }
            tensors.add(info);
        }
        return new GgufFile(path, arena, mapping, version, metadata, tensors, alignment, dataOffset);
    }

    private record TensorHeader(String name, long[] dims, GgmlType type, long offset) {
    }

    private static TensorHeader readTensorHeader(SegmentCursor in) {
        String name = in.string("tensor name");
        in.context("tensor '" + name + "'");
        int nDims = in.u32("dimension count");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw in.error("tensor '" + name + "' has " + Integer.toUnsignedString(nDims) + " dimensions (1 to " + MAX_DIMS + " allowed)");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.u64("dimension " + d);
            if (dims[d] <= 0) {
                throw in.error("tensor '" + name + "' dimension " + d + " is " + Long.toUnsignedString(dims[d]));
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw in.error("tensor '" + name + "' element count overflows 64 bits");
            }
        }
        int typeId = in.u32("tensor type");
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw in.error("tensor '" + name + "' has unknown tensor type id " + Integer.toUnsignedString(typeId));
        }
        long offset = in.u64("tensor data offset");
        if (offset < 0) {
            throw in.error("tensor '" + name + "' data offset " + Long.toUnsignedString(offset) + " is beyond any real file");
        }
        return new TensorHeader(name, dims, type, offset);
    }

    private static int readAlignment(GgufMetadata metadata, SegmentCursor in) {
        if (!metadata.contains("general.alignment")) {
            return DEFAULT_ALIGNMENT;
        }
        long alignment = metadata.getLong("general.alignment");
        if (alignment <= 0 || alignment > (1 << 20) || Long.bitCount(alignment) != 1) {
            throw in.error("general.alignment is " + alignment + ", expected a power of two");
        }
        return (int) alignment;
    }

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo info = tensorsByName.get(name);
        if (info == null) {
            throw new GgufFormatException(path.getFileName() + ": no tensor named '" + name + "'");
        }
        return info;
    }

    /** The tensor's bytes, as a read-only slice of the mapping (valid until {@link #close()}). */
    public MemorySegment tensorData(GgufTensorInfo info) {
        return mapping.asSlice(info.fileOffset(), info.byteSize());
    }

    public MemorySegment tensorData(String name) {
        return tensorData(tensor(name));
    }

    @Override
    public void close() {
        arena.close();
    }
}
