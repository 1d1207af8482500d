package dev.ponder.core.tokenizer;

import dev.ponder.core.gguf.GgufMetadata;
import dev.ponder.core.gguf.GgufValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The byte-level BPE tokenizer of a GGUF model ({@code tokenizer.ggml.model = gpt2}), as Qwen2, Qwen3
 * and QwQ use it: NFC normalisation, the model's pre-tokenizer split, GPT-2 byte-to-char mapping and
 * merges by rank, with added tokens ({@code <|im_start|>}, {@code <think>}, ...) recognised in text
 * only when the caller allows it.
 *
 * <p>Two encoding modes matter for safety: {@link #encode(String)} treats everything as content, so
 * text such as {@code <|im_end|>} typed by a user is tokenized as the characters it is and can never
 * become a control token; {@link #encode(String, boolean) encode(text, true)} is for template text
 * that the service itself writes, where added tokens are matched.
 *
 * <p>Immutable and thread-safe; encoding shares a bounded cache of recently seen pieces.
 */
public final class Tokenizer {
    /** Values of {@code tokenizer.ggml.pre} this class can split text for. */
    public static final List<String> SUPPORTED_PRE_TOKENIZERS = List.of("qwen2");

    private static final int CACHE_LIMIT = 1 << 16;

    private final String preTokenizerName;
    private final PreTokenizer preTokenizer;
    private final String[] tokens;
    private final TokenType[] types;
    private final byte[][] bytes;
    private final VocabularyIndex idsByText;
    private final Map<String, Integer> addedIds;
    private final AddedTokenMatcher addedTokens;
    private final BytePairEncoder bpe;
    private final int eos;
    private final int bos;
    private final int padding;
    private final boolean addBos;
    private final Map<String, int[]> pieceCache = new ConcurrentHashMap<>();

    private Tokenizer(String preTokenizerName, String[] tokens, TokenType[] types, String[] merges,
                      int eos, int bos, int padding, boolean addBos) {
        this.preTokenizerName = preTokenizerName;
        this.preTokenizer = preTokenizerFor(preTokenizerName);
        this.tokens = tokens;
        this.types = types;
        this.eos = eos;
        this.bos = bos;
        this.padding = padding;
        this.addBos = addBos;

        // Added tokens go in last so that, should one share its spelling with a BPE token, merges
        // still resolve to the BPE token; tokenId() looks at addedIds first.
        idsByText = new VocabularyIndex(tokens);
        addedIds = new HashMap<>();
        for (int id = 0; id < tokens.length; id++) {
            if (types[id].isAdded()) {
                addedIds.putIfAbsent(tokens[id], id);
            } else {
                idsByText.add(id);
            }
        }
        addedIds.values().stream().sorted().forEach(idsByText::add);

        bytes = new byte[tokens.length][];
        for (int id = 0; id < tokens.length; id++) {
            byte[] spelled = types[id] == TokenType.NORMAL ? ByteLevel.decode(tokens[id]) : null;
            bytes[id] = spelled != null ? spelled : tokens[id].getBytes(StandardCharsets.UTF_8);
        }
        addedTokens = new AddedTokenMatcher(tokens, types);
        bpe = new BytePairEncoder(buildMerges(merges), byteTokenIds());
    }

    /**
     * Builds the tokenizer a GGUF file describes. Refuses, naming what is supported, a tokenizer model
     * other than {@code gpt2} or a pre-tokenizer other than those in {@link #SUPPORTED_PRE_TOKENIZERS}.
     */
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        String model = metadata.findString("tokenizer.ggml.model").orElseThrow(() -> new TokenizerException(
                "the model has no tokenizer: metadata key 'tokenizer.ggml.model' is missing"));
        if (!model.equals("gpt2")) {
            throw new TokenizerException("unsupported tokenizer.ggml.model '" + model
                    + "': only 'gpt2' (byte-level BPE, as in Qwen2/Qwen3/QwQ) is supported");
        }
        String pre = metadata.findString("tokenizer.ggml.pre").orElseThrow(() -> new TokenizerException(
                "metadata key 'tokenizer.ggml.pre' is missing; it names the pre-tokenizer (supported: "
                        + String.join(", ", SUPPORTED_PRE_TOKENIZERS) + ")"));
        preTokenizerFor(pre); // refuse before the expensive part

        String[] tokens = metadata.getStringArray("tokenizer.ggml.tokens");
        TokenType[] types = new TokenType[tokens.length];
        if (metadata.contains("tokenizer.ggml.token_type")) {
            int[] typeIds = metadata.getIntArray("tokenizer.ggml.token_type");
            if (typeIds.length != tokens.length) {
                throw new TokenizerException("tokenizer.ggml.token_type has " + typeIds.length
                        + " entries but tokenizer.ggml.tokens has " + tokens.length);
            }
            for (int i = 0; i < typeIds.length; i++) {
                types[i] = TokenType.byId(typeIds[i]);
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        String[] merges = metadata.getStringArray("tokenizer.ggml.merges");
        return new Tokenizer(pre, tokens, types, merges,
                optionalId(metadata, "tokenizer.ggml.eos_token_id", tokens.length),
                optionalId(metadata, "tokenizer.ggml.bos_token_id", tokens.length),
                optionalId(metadata, "tokenizer.ggml.padding_token_id", tokens.length),
                metadata.find("tokenizer.ggml.add_bos_token").map(GgufValue::value).map(Boolean.TRUE::equals)
                        .orElse(false));
    }

    private static PreTokenizer preTokenizerFor(String name) {
        if (name.equals("qwen2")) {
            return Qwen2PreTokenizer.INSTANCE;
        }
        throw new TokenizerException("unsupported tokenizer.ggml.pre '" + name + "' (supported: "
                + String.join(", ", SUPPORTED_PRE_TOKENIZERS) + ")");
    }

    private static int optionalId(GgufMetadata metadata, String key, int vocabSize) {
        if (!metadata.contains(key)) {
            return -1;
        }
        long id = metadata.getLong(key);
        if (id < 0 || id >= vocabSize) {
            throw new TokenizerException(key + " = " + id + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
        }
        return (int) id;
    }

    private MergeTable buildMerges(String[] merges) {
        MergeTable table = new MergeTable(merges.length);
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge.indexOf(' ');
            if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException("tokenizer.ggml.merges[" + rank + "] = '" + merge
                        + "' is not two tokens separated by one space");
            }
            int length = merge.length();
            int left = idsByText.find(merge, 0, space, "", 0, 0);
            int right = idsByText.find(merge, space + 1, length, "", 0, 0);
            int merged = mergedTokenId(merge, space, rank);
            if (left < 0 || right < 0 || merged < 0) {
                String missing = left < 0 ? merge.substring(0, space)
                        : right < 0 ? merge.substring(space + 1) : merge.replace(" ", "");
                throw new TokenizerException("tokenizer.ggml.merges[" + rank + "] = '" + merge + "' needs token '"
                        + missing + "', which is not in the vocabulary");
            }
            table.put(left, right, rank, merged);
        }
        return table;
    }

    /**
     * The id of the token a merge makes. A BPE-trained vocabulary (GPT-2's, Qwen's) lists the 256 byte
     * tokens and then one token per merge in merge order, so id 256 + rank is checked first; that
     * saves a third of the hash lookups of loading. Other orders fall back to the index.
     */
    private int mergedTokenId(String merge, int space, int rank) {
        int guess = 256 + rank;
        if (guess < tokens.length && !types[guess].isAdded()) {
            String token = tokens[guess];
            if (token.length() == merge.length() - 1 && token.regionMatches(0, merge, 0, space)
                    && token.regionMatches(space, merge, space + 1, merge.length() - space - 1)) {
                return guess;
            }
        }
        return idsByText.find(merge, 0, space, merge, space + 1, merge.length());
    }

    private int[] byteTokenIds() {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = idsByText.find(String.valueOf(ByteLevel.charOf(b)));
            if (id < 0) {
                throw new TokenizerException(String.format(
                        "the vocabulary lacks the byte-level token for byte 0x%02X ('%c'); not a byte-level BPE vocabulary",
                        b, ByteLevel.charOf(b)));
            }
            ids[b] = id;
        }
        return ids;
    }

    // ---------------------------------------------------------------- encoding

    /** Encodes content: added-token text is tokenized as ordinary characters. Adds no BOS/EOS. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * Encodes text; with {@code allowSpecial} the added tokens written in it ({@code <|im_start|>},
     * {@code <think>}, ...) become those tokens, as when rendering a chat template. Never pass user
     * content with {@code allowSpecial = true}. Adds no BOS/EOS.
     */
    public int[] encode(String text, boolean allowSpecial) {
        IntBuffer out = new IntBuffer(Math.max(16, text.length() / 3));
        int from = 0;
        if (allowSpecial) {
            AddedTokenMatcher.Match m;
            while ((m = addedTokens.find(text, from)) != null) {
                encodeOrdinary(text.substring(from, m.start()), out);
                out.add(m.tokenId());
                from = m.end();
            }
        }
        encodeOrdinary(from == 0 ? text : text.substring(from), out);
        return out.toArray();
    }

    private void encodeOrdinary(String text, IntBuffer out) {
        if (text.isEmpty()) {
            return;
        }
        String s = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
        s = replaceLoneSurrogates(s);
        int end = s.length();
        for (int start = 0; start < end; ) {
            int pieceEnd = preTokenizer.pieceEnd(s, start, end);
            out.addAll(encodePiece(s.substring(start, pieceEnd)));
            start = pieceEnd;
        }
    }

    /**
     * A Java string may hold half of a surrogate pair (JSON can escape one alone), which has no UTF-8
     * form; it becomes U+FFFD, as a UTF-8 decoder would render it, rather than a silent '?'.
     */
    static String replaceLoneSurrogates(String s) {
        StringBuilder fixed = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            if (fixed == null) {
                fixed = new StringBuilder(s);
            }
            fixed.setCharAt(i, '\uFFFD');
        }
        return fixed == null ? s : fixed.toString();
    }

    private int[] encodePiece(String piece) {
        int[] cached = pieceCache.get(piece);
        if (cached != null) {
            return cached;
        }
        int[] ids = bpe.encode(piece.getBytes(StandardCharsets.UTF_8));
        if (pieceCache.size() >= CACHE_LIMIT) {
            pieceCache.clear(); // crude but bounded; the common words come straight back
        }
        pieceCache.put(piece, ids);
        return ids;
    }

    /** Forgets the cached encodings of pieces; for measuring encode speed on text not seen before. */
    public void clearCache() {
        pieceCache.clear();
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes ids to text, added and control tokens rendered as their text. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids to text; with {@code skipSpecial}, control and unused tokens are left out (the
     * user-defined added tokens such as {@code <think>} are kept, as Hugging Face does for Qwen).
     * Byte sequences that are not valid UTF-8 become U+FFFD.
     */
    public String decode(int[] ids, boolean skipSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            checkId(id);
            if (!(skipSpecial && isSkippable(id))) {
                out.writeBytes(bytes[id]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A decoder that turns ids into text one at a time, never splitting a UTF-8 character. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new StreamingDecoder(this, skipSpecial);
    }

    public StreamingDecoder streamingDecoder() {
        return streamingDecoder(false);
    }

    /** The bytes a token stands for (a copy). A token may hold part of a UTF-8 character. */
    public byte[] tokenBytes(int id) {
        checkId(id);
        return bytes[id].clone();
    }

    byte[] tokenBytesShared(int id) {
        checkId(id);
        return bytes[id];
    }

    boolean isSkippable(int id) {
        return types[id] == TokenType.CONTROL || types[id] == TokenType.UNUSED;
    }

    // ---------------------------------------------------------------- lookups

    /** The id of a token by its vocabulary text, e.g. {@code tokenId("<|im_end|>")}; throws if there is none. */
    public int tokenId(String text) {
        return findTokenId(text).orElseThrow(() -> new TokenizerException("no token '" + text + "' in the vocabulary"));
    }

    public OptionalInt findTokenId(String text) {
        Integer added = addedIds.get(text);
        int id = added != null ? added : idsByText.find(text);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token's vocabulary spelling (byte-level characters for normal tokens, e.g. {@code Ġthe}). */
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }

    public TokenType tokenType(int id) {
        checkId(id);
        return types[id];
    }

    public boolean isControl(int id) {
        return tokenType(id) == TokenType.CONTROL;
    }

    /** Number of tokens, including added and filler tokens (151,936 for Qwen). */
    public int vocabSize() {
        return tokens.length;
    }

    public OptionalInt eosTokenId() {
        return eos < 0 ? OptionalInt.empty() : OptionalInt.of(eos);
    }

    public OptionalInt bosTokenId() {
        return bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
    }

    public OptionalInt paddingTokenId() {
        return padding < 0 ? OptionalInt.empty() : OptionalInt.of(padding);
    }

    /** Whether the model wants a BOS token before a prompt ({@code tokenizer.ggml.add_bos_token}; false if absent). */
    public boolean addBosToken() {
        return addBos;
    }

    public String preTokenizer() {
        return preTokenizerName;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (tokens.length - 1) + ")");
        }
    }

    /** A growable int array, to collect ids without boxing. */
    private static final class IntBuffer {
        private int[] items;
        private int size;

        IntBuffer(int capacity) {
            items = new int[capacity];
        }

        void add(int value) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = value;
        }

        void addAll(int[] values) {
            if (size + values.length > items.length) {
                items = Arrays.copyOf(items, Math.max(size * 2, size + values.length));
            }
            System.arraycopy(values, 0, items, size, values.length);
            size += values.length;
        }

        int[] toArray() {
            return Arrays.copyOf(items, size);
        }
    }
}
