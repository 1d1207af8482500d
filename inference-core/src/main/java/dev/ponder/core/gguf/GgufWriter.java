package dev.ponder.core.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: any metadata and any tensors. Tensor data is streamed from a
 * {@link TensorSource}, so files of several GB can be written without holding them in memory.
 * The file appears atomically (written to a temporary sibling, then moved).
 */
public final class GgufWriter {

    /** Produces exactly the tensor's bytes, in GGML's layout for its type. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] dims, TensorSource source, long byteSize) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter put(String key, GgufValue value) {
        if (key.equals("general.alignment")) {
            long a = value.asLong();
            if (a <= 0 || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException("general.alignment must be a power of two, not " + a);
            }
            alignment = (int) a;
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(GgufMetadata source) {
        source.asMap().forEach(this::put);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.ofString(value));
    }

    public GgufWriter putUInt32(String key, int value) {
        return put(key, GgufValue.ofUInt32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.ofFloat32(value));
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValue.ofArray(value));
    }

    /** Adds a tensor; {@code dims[0]} is the row length and must be a whole number of blocks of the type. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorSource source) {
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' must have 1 to 4 dimensions");
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + dims[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        for (PendingTensor t : tensors) {
            if (t.name.equals(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' added twice");
            }
        }
        tensors.add(new PendingTensor(name, type, dims.clone(), source, type.byteSize(elements)));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        return addTensor(name, type, dims, out -> out.write(data));
    }

    public void write(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, target.getFileName().toString(), ".partial");
        try {
            try (OutputStream file = Files.newOutputStream(temp);
                 LittleEndianOutput out = new LittleEndianOutput(new BufferedOutputStream(file, 1 << 20))) {
                writeTo(out);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private void writeTo(LittleEndianOutput out) throws IOException {
        out.u32(GgufFile.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (PendingTensor t : tensors) {
            offsets.add(offset);
            offset = GgufFile.alignUp(offset + t.byteSize, alignment);
        }
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            out.string(t.name);
            out.u32(t.dims.length);
            for (long d : t.dims) {
                out.u64(d);
            }
            out.u32(t.type.id());
            out.u64(offsets.get(i));
        }
        out.padTo(alignment);
        long dataStart = out.written();
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            out.padTo(alignment);
            long before = out.written();
            if (before - dataStart != offsets.get(i)) {
                throw new IllegalStateException("tensor '" + t.name + "' landed at the wrong offset");
            }
            t.source.writeTo(out.unclosable());
            long wrote = out.written() - before;
            if (wrote != t.byteSize) {
                throw new IOException("tensor '" + t.name + "' source wrote " + wrote + " bytes, expected " + t.byteSize
                        + " for " + t.type + " " + java.util.Arrays.toString(t.dims));
            }
        }
    }

    private static void writeValue(LittleEndianOutput out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((Byte) value);
            case UINT16, INT16 -> out.u16((Short) value);
            case UINT32, INT32 -> out.u32((Integer) value);
            case UINT64, INT64 -> out.u64((Long) value);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((byte) ((Boolean) value ? 1 : 0));
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (GgufArray) value);
        }
    }

    private static void writeArray(LittleEndianOutput out, GgufArray array) throws IOException {
        out.u32(array.elementType().id());
        out.u64(array.length());
        Object e = array.elements();
        switch (array.elementType()) {
            case UINT8, INT8 -> out.write((byte[]) e);
            case BOOL -> {
                for (boolean b : (boolean[]) e) out.u8((byte) (b ? 1 : 0));
            }
            case UINT16, INT16 -> {
                for (short s : (short[]) e) out.u16(s);
            }
            case UINT32, INT32 -> {
                for (int i : (int[]) e) out.u32(i);
            }
            case UINT64, INT64 -> {
                for (long l : (long[]) e) out.u64(l);
            }
            case FLOAT32 -> {
                for (float f : (float[]) e) out.u32(Float.floatToRawIntBits(f));
            }
            case FLOAT64 -> {
                for (double d : (double[]) e) out.u64(Double.doubleToRawLongBits(d));
            }
            case STRING -> {
                for (String s : (String[]) e) out.string(s);
            }
            case ARRAY -> {
                for (GgufArray a : (GgufArray[]) e) writeArray(out, a);
            }
        }
    }

    /** A counting little-endian output stream. */
    private static final class LittleEndianOutput extends OutputStream {
        private final OutputStream out;
        private long written;

        LittleEndianOutput(OutputStream out) {
            this.out = out;
        }

        long written() {
            return written;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
        }

        void u8(byte b) throws IOException {
            write(b);
        }

        void u16(short v) throws IOException {
            write(v & 0xff);
            write((v >>> 8) & 0xff);
        }

        void u32(int v) throws IOException {
            for (int i = 0; i < 4; i++) write((v >>> (8 * i)) & 0xff);
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) write((int) (v >>> (8 * i)) & 0xff);
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            write(bytes);
        }

        void padTo(int alignment) throws IOException {
            while (written % alignment != 0) write(0);
        }

        /** A view that tensor sources may close without closing the file. */
        OutputStream unclosable() {
            LittleEndianOutput self = this;
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    self.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    self.write(b, off, len);
                }
            };
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
