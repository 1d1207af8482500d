package dev.ponder.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeAndTensorsSurviveARoundTrip() throws IOException {
        GgufArray nested = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                new GgufArray(GgufValueType.INT32, new int[] {1, -2, 3}),
                new GgufArray(GgufValueType.STRING, new String[] {"a", "ünï", ""})});
        GgufWriter writer = new GgufWriter()
                .put("u8", new GgufValue(GgufValueType.UINT8, (byte) 0xff))
                .put("i8", new GgufValue(GgufValueType.INT8, (byte) -5))
                .put("u16", new GgufValue(GgufValueType.UINT16, (short) 0xfffe))
                .put("i16", new GgufValue(GgufValueType.INT16, (short) -300))
                .put("u32", GgufValue.ofUInt32(0xfffffff0))
                .put("i32", GgufValue.ofInt32(-70000))
                .put("f32", GgufValue.ofFloat32(1.5e-6f))
                .put("bool", GgufValue.ofBool(true))
                .put("str", GgufValue.ofString("qwen2 ✓"))
                .put("u64", GgufValue.ofUInt64(1L << 40))
                .put("i64", new GgufValue(GgufValueType.INT64, -(1L << 50)))
                .put("f64", new GgufValue(GgufValueType.FLOAT64, Math.PI))
                .putArray("arr.f32", new GgufArray(GgufValueType.FLOAT32, new float[] {0.25f, -1f}))
                .putArray("arr.bool", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false}))
                .putArray("arr.u8", new GgufArray(GgufValueType.UINT8, new byte[] {1, 2, (byte) 200}))
                .putArray("arr.i16", new GgufArray(GgufValueType.INT16, new short[] {-1, 7}))
                .putArray("arr.u64", new GgufArray(GgufValueType.UINT64, new long[] {5, 1L << 62}))
                .putArray("arr.f64", new GgufArray(GgufValueType.FLOAT64, new double[] {1e300}))
                .putArray("arr.empty", new GgufArray(GgufValueType.STRING, new String[0]))
                .putArray("arr.nested", nested);
        byte[] f32 = randomBytes(4 * 64 * 3, 1);
        byte[] q8 = randomBytes(34 * 2 * 5, 2);
        byte[] q4k = randomBytes(144 * 2, 3);
        writer.addTensor("w.f32", GgmlType.F32, new long[] {64, 3}, f32)
              .addTensor("w.q8_0", GgmlType.Q8_0, new long[] {64, 5}, q8)
              .addTensor("w.q4_k", GgmlType.Q4_K, new long[] {256, 1, 2}, q4k);
        Path file = dir.resolve("all.gguf");
        writer.write(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.version()).isEqualTo(3);
            GgufMetadata m = gguf.metadata();
            assertThat(m.keys()).containsExactly("u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "u64",
                    "i64", "f64", "arr.f32", "arr.bool", "arr.u8", "arr.i16", "arr.u64", "arr.f64", "arr.empty", "arr.nested");
            assertThat(m.getLong("u8")).isEqualTo(255);
            assertThat(m.getLong("i8")).isEqualTo(-5);
            assertThat(m.getLong("u16")).isEqualTo(0xfffe);
            assertThat(m.getLong("i16")).isEqualTo(-300);
            assertThat(m.getLong("u32")).isEqualTo(0xfffffff0L);
            assertThat(m.getInt("i32")).isEqualTo(-70000);
            assertThat(m.getDouble("f32")).isEqualTo(1.5e-6f);
            assertThat(m.get("bool").value()).isEqualTo(true);
            assertThat(m.getString("str")).isEqualTo("qwen2 ✓");
            assertThat(m.getLong("u64")).isEqualTo(1L << 40);
            assertThat(m.getLong("i64")).isEqualTo(-(1L << 50));
            assertThat(m.getDouble("f64")).isEqualTo(Math.PI);
            assertThat(m.getArray("arr.f32")).isEqualTo(new GgufArray(GgufValueType.FLOAT32, new float[] {0.25f, -1f}));
            assertThat(m.getArray("arr.u64").elements()).isEqualTo(new long[] {5, 1L << 62});
            assertThat(m.getStringArray("arr.empty")).isEmpty();
            assertThat(m.getArray("arr.nested")).isEqualTo(nested);

            assertThat(gguf.tensors()).extracting(GgufTensorInfo::name).containsExactly("w.f32", "w.q8_0", "w.q4_k");
            GgufTensorInfo q4 = gguf.tensor("w.q4_k");
            assertThat(q4.type()).isEqualTo(GgmlType.Q4_K);
            assertThat(q4.dims()).containsExactly(256, 1, 2);
            assertThat(q4.rowCount()).isEqualTo(2);
            assertThat(gguf.tensorData("w.f32").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(f32);
            assertThat(gguf.tensorData("w.q8_0").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(q8);
            assertThat(gguf.tensorData(q4).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(q4k);
            for (GgufTensorInfo t : gguf.tensors()) {
                assertThat(t.fileOffset() % gguf.alignment()).as(t.name()).isZero();
            }
        }
    }

    @Test
    void customAlignmentIsHonoured() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().putUInt32("general.alignment", 64)
                .addTensor("a", GgmlType.F32, new long[] {3}, randomBytes(12, 4))
                .addTensor("b", GgmlType.F32, new long[] {5}, randomBytes(20, 5))
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.alignment()).isEqualTo(64);
            assertThat(gguf.tensor("b").offset()).isEqualTo(64);
            assertThat(gguf.tensorData("b").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(randomBytes(20, 5));
        }
    }

    @Test
    void writerRefusesASourceThatWritesTheWrongSize() {
        GgufWriter writer = new GgufWriter().addTensor("short", GgmlType.F32, new long[] {4}, new byte[12]);
        assertThatThrownBy(() -> writer.write(dir.resolve("bad.gguf")))
                .isInstanceOf(IOException.class).hasMessageContaining("'short'").hasMessageContaining("expected 16");
        assertThat(dir.resolve("bad.gguf")).doesNotExist();
    }

    @Test
    void writerRefusesRowsThatAreNotWholeBlocks() {
        assertThatThrownBy(() -> new GgufWriter().addTensor("x", GgmlType.Q8_0, new long[] {33}, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block size 32");
    }

    /** Offsets past 2^31 (and 2^32) must work: a sparse file puts a tensor 3 GB into the data section. */
    @Test
    void tensorDataBeyondFourGigabytesIsReadable() throws IOException {
        long farOffset = 5_000_000_000L; // a multiple of 32
        byte[] name = "far".getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(GgufFile.MAGIC).putInt(3).putLong(1).putLong(0);
        header.putLong(name.length).put(name).putInt(1).putLong(16).putInt(GgmlType.I8.id()).putLong(farOffset);
        long dataStart = GgufFile.alignUp(header.position(), 32);
        byte[] payload = randomBytes(16, 6);
        Path file = dir.resolve("sparse.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header.array(), 0, header.position());
            raf.seek(dataStart + farOffset);
            raf.write(payload);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.fileSize()).isGreaterThan(4L << 30);
            assertThat(gguf.tensor("far").fileOffset()).isEqualTo(dataStart + farOffset);
            assertThat(gguf.tensorData("far").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(payload);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
