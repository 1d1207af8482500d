package dev.ponder.core.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds truncated and corrupted copies of the real bundled model to the reader and checks each error. */
class GgufCorruptionTest {
    private static byte[] original;
    private static long tensorTableStart;
    private static long firstTensorTypeOffset;
    private static long firstTensorDimCountOffset;
    private static long firstTensorDataOffsetField;
    private static String firstTensorName;
    private static long dataOffset;

    @TempDir
    Path dir;

    @BeforeAll
    static void readOriginal() throws IOException {
        Path model = TestFiles.bundledModel();
        original = Files.readAllBytes(model);
        try (GgufFile gguf = GgufFile.open(model)) {
            GgufTensorInfo first = gguf.tensors().getFirst();
            firstTensorName = first.name();
            dataOffset = gguf.dataOffset();
            // The tensor table starts with the first tensor's name (u64 length + bytes).
            byte[] name = first.name().getBytes(StandardCharsets.UTF_8);
            byte[] pattern = ByteBuffer.allocate(8 + name.length).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(name.length).put(name).array();
            tensorTableStart = lastIndexOf(original, pattern, (int) dataOffset);
            firstTensorDimCountOffset = tensorTableStart + pattern.length;
            firstTensorTypeOffset = firstTensorDimCountOffset + 4 + 8L * first.rank();
            firstTensorDataOffsetField = firstTensorTypeOffset + 4;
            assertThat(u32(firstTensorTypeOffset)).isEqualTo(first.type().id());
        }
    }

    @Test
    void theOriginalIsReadable() throws IOException {
        try (GgufFile gguf = open(original)) {
            assertThat(gguf.metadata().getString("general.architecture")).isEqualTo("qwen2");
            assertThat(gguf.tensors()).isNotEmpty();
        }
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("nope.gguf"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void emptyFile() {
        expectError(new byte[0]).hasMessageContaining("truncated").hasMessageContaining("magic");
    }

    @Test
    void wrongMagic() {
        byte[] bytes = copy();
        bytes[0] = 'X';
        expectError(bytes).hasMessageContaining("not a GGUF file");
    }

    @Test
    void unsupportedVersions() {
        expectError(withU32(copy(), 4, 7)).hasMessageContaining("unsupported GGUF version 7");
        expectError(withU32(copy(), 4, 1)).hasMessageContaining("version 1 is not supported");
        expectError(withU32(copy(), 4, Integer.reverseBytes(3))).hasMessageContaining("big-endian");
    }

    @Test
    void truncatedInTheFixedHeader() {
        expectError(Arrays.copyOf(original, 6)).hasMessageContaining("truncated").hasMessageContaining("version");
        expectError(Arrays.copyOf(original, 20)).hasMessageContaining("truncated");
    }

    @Test
    void truncatedInsideTheMetadata() {
        expectError(Arrays.copyOf(original, 4000)).hasMessageContaining("truncated").hasMessageContaining("metadata key");
    }

    @Test
    void truncatedInsideTheTensorTable() {
        expectError(Arrays.copyOf(original, (int) tensorTableStart + 10))
                .hasMessageContaining("truncated").hasMessageContaining("tensor");
    }

    @Test
    void tensorDataOutsideTheFile() {
        expectError(Arrays.copyOf(original, (int) dataOffset + 1000))
                .hasMessageContaining("lies outside the file").hasMessageContaining("'");
    }

    @Test
    void unknownTensorTypeNamesTheTensorAndTheId() {
        expectError(withU32(copy(), firstTensorTypeOffset, 77))
                .hasMessageContaining("tensor '" + firstTensorName + "'").hasMessageContaining("unknown tensor type id 77");
        // A retired GGML type id (4, once Q4_2) is unknown too.
        expectError(withU32(copy(), firstTensorTypeOffset, 4)).hasMessageContaining("unknown tensor type id 4");
    }

    @Test
    void tooManyDimensions() {
        expectError(withU32(copy(), firstTensorDimCountOffset, 9)).hasMessageContaining("9 dimensions");
    }

    @Test
    void misalignedTensorOffset() {
        byte[] bytes = copy();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong((int) firstTensorDataOffsetField, 3);
        expectError(bytes).hasMessageContaining("not a multiple of the alignment");
    }

    @Test
    void negativeAndOverflowingCounts() {
        expectError(withU64(copy(), 8, -1)).hasMessageContaining("tensor count").hasMessageContaining("18446744073709551615");
        expectError(withU64(copy(), 8, 1L << 40)).hasMessageContaining("tensor count").hasMessageContaining("bytes remain");
        expectError(withU64(copy(), 16, 1L << 40)).hasMessageContaining("metadata key/value count");
        // the first key's length
        expectError(withU64(copy(), 24, 1L << 50)).hasMessageContaining("key length");
        expectError(withU64(copy(), 24, -8)).hasMessageContaining("key length");
    }

    @Test
    void unknownMetadataValueType() {
        long firstKeyLength = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
        long typeOffset = 24 + 8 + firstKeyLength;
        expectError(withU32(copy(), typeOffset, 99)).hasMessageContaining("unknown metadata value type id 99");
    }

    @Test
    void everyTruncationFailsCleanly() {
        // Cut the header at many points: each must give a GgufFormatException, never another exception.
        long step = tensorTableStart / 50;
        for (long cut = 0; cut < tensorTableStart + 200; cut += cut < 64 ? 3 : step) {
            byte[] bytes = Arrays.copyOf(original, (int) cut);
            assertThatThrownBy(() -> open(bytes).close()).as("cut at %d", cut).isInstanceOf(GgufFormatException.class);
        }
    }

    private AbstractThrowableAssert<?, ? extends Throwable> expectError(byte[] bytes) {
        return assertThatThrownBy(() -> open(bytes).close()).isInstanceOf(GgufFormatException.class);
    }

    private GgufFile open(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(dir, "corrupt", ".gguf");
        Files.write(file, bytes);
        return GgufFile.open(file);
    }

    private static byte[] copy() {
        return original.clone();
    }

    private static long u32(long offset) {
        return Integer.toUnsignedLong(ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getInt((int) offset));
    }

    private static byte[] withU32(byte[] bytes, long offset, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt((int) offset, value);
        return bytes;
    }

    private static byte[] withU64(byte[] bytes, long offset, long value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong((int) offset, value);
        return bytes;
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle, int before) {
        outer:
        for (int i = before - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("pattern not found");
    }
}
