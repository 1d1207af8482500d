package dev.ponder.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.registry.MockSchemaRegistry;
import dev.ponder.schemas.testing.Samples;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random and mutated payloads into the deserializers: each is either decoded into a
 * valid datum or rejected with {@link AvroSerdeException}; no other exception or error escapes. Each
 * outcome is checked against what the payload is: a bad header gets exactly the kind its bytes call for,
 * and whatever the generic deserializer decodes, Avro's own reader decodes to an equal datum.
 */
class DeserializerFuzzTest {
    private static final int ITERATIONS = 30_000;
    private static final long SEED = 0x5eed_f00dL;

    /** A schema using every Avro type, recursion included. */
    private static final Schema KITCHEN_SINK = new Schema.Parser().parse("""
            {"type": "record", "name": "Sink", "namespace": "dev.ponder.fuzz", "fields": [
              {"name": "b", "type": "boolean"},
              {"name": "i", "type": "int"},
              {"name": "l", "type": "long"},
              {"name": "f", "type": "float"},
              {"name": "d", "type": "double"},
              {"name": "raw", "type": "bytes"},
              {"name": "fx", "type": {"type": "fixed", "name": "Four", "size": 4}},
              {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
              {"name": "nums", "type": {"type": "array", "items": "long"}},
              {"name": "tags", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
              {"name": "nothing", "type": {"type": "array", "items": "null"}},
              {"name": "choice", "type": ["null", "int", "string", "Color"]},
              {"name": "next", "type": ["null", "Sink"], "default": null}
            ]}""");

    private final String scope = "fuzz-" + UUID.randomUUID();
    private final List<byte[]> seeds = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();
    private MockSchemaRegistry registry;
    private AvroSerializer<Object> serializer;
    private List<Deserializer<?>> deserializers;

    @BeforeEach
    void setUp() {
        Map<String, Object> configs = Map.of("schema.registry.url", "mock://" + scope);
        serializer = new AvroSerializer<>();
        serializer.configure(configs, false);
        AvroDeserializer<Object> generic = new AvroDeserializer<>();
        generic.configure(configs, false);
        AvroDeserializer<Object> specific = new AvroDeserializer<>();
        specific.configure(Map.of("schema.registry.url", "mock://" + scope, "specific.avro.reader", "true"), false);
        AvroDeserializer<AnswerRecord> answers = new AvroDeserializer<>(null, AnswerRecord.class);
        answers.configure(configs, false);
        AvroDeserializer<ReasoningRequest> requests = new AvroDeserializer<>(null, ReasoningRequest.class);
        requests.configure(configs, false);
        deserializers = List.of(generic, specific, answers, requests);

        Random random = new Random(SEED);
        addSeed(Samples.request("fuzz-request"));
        addSeed(Samples.minimalRequest("m"));
        addSeed(Samples.reasoning("fuzz-reasoning"));
        addSeed(Samples.answer("fuzz-answer"));
        addSeed(Samples.failedAnswer("fuzz-failed"));
        for (int i = 0; i < 4; i++) {
            addSeed(sink(random, 3));
        }
        addSeed("a plain string");
        addSeed(1234567890123L);
        addSeed(new byte[] {1, 2, 3});
        registry = MockSchemaRegistry.forScope(scope);
        registry.register("empty-value", Schema.createRecord("Empty", null, "dev.ponder.fuzz", false, List.of()));
        ids.add(registry.lookup("empty-value", Schema.createRecord("Empty", null, "dev.ponder.fuzz", false, List.of())).id());
    }

    @AfterEach
    void tearDown() {
        MockSchemaRegistry.dropScope(scope);
    }

    private void addSeed(Object value) {
        String topic = "seed-" + seeds.size();
        byte[] bytes = serializer.serialize(topic, value);
        seeds.add(bytes);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        if (!ids.contains(id)) {
            ids.add(id);
        }
    }

    private static GenericRecord sink(Random random, int depth) {
        GenericRecord r = new GenericData.Record(KITCHEN_SINK);
        Schema color = KITCHEN_SINK.getField("e").schema();
        r.put("b", random.nextBoolean());
        r.put("i", random.nextInt());
        r.put("l", random.nextLong());
        r.put("f", random.nextFloat());
        r.put("d", random.nextGaussian());
        byte[] raw = new byte[random.nextInt(8)];
        random.nextBytes(raw);
        r.put("raw", ByteBuffer.wrap(raw));
        byte[] four = new byte[4];
        random.nextBytes(four);
        r.put("fx", new GenericData.Fixed(KITCHEN_SINK.getField("fx").schema(), four));
        r.put("e", new GenericData.EnumSymbol(color, color.getEnumSymbols().get(random.nextInt(3))));
        r.put("nums", List.of(random.nextLong(), (long) random.nextInt(100)));
        r.put("tags", Map.of("k" + random.nextInt(9), List.of("x", "yz")));
        List<Object> nulls = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            nulls.add(null);
        }
        r.put("nothing", nulls);
        r.put("choice", switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> random.nextInt();
            case 2 -> "str";
            default -> new GenericData.EnumSymbol(color, "BLUE");
        });
        r.put("next", depth > 0 ? sink(random, depth - 1) : null);
        return r;
    }

    private byte[] mutate(Random random) {
        byte[] seed = seeds.get(random.nextInt(seeds.size()));
        return switch (random.nextInt(9)) {
            case 0 -> { // pure noise
                byte[] noise = new byte[random.nextInt(48)];
                random.nextBytes(noise);
                yield noise;
            }
            case 1 -> { // noise behind a valid header
                byte[] noise = new byte[5 + random.nextInt(64)];
                random.nextBytes(noise);
                WireFormat.writeHeader(noise, ids.get(random.nextInt(ids.size())));
                yield noise;
            }
            case 2 -> { // bit flips
                byte[] copy = seed.clone();
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    int at = 5 + random.nextInt(copy.length - 5);
                    copy[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield copy;
            }
            case 3 -> { // interesting byte values
                byte[] copy = seed.clone();
                byte[] interesting = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xfe, 0x3f, 0x40};
                copy[random.nextInt(copy.length)] = interesting[random.nextInt(interesting.length)];
                yield copy;
            }
            case 4 -> { // truncation
                int length = random.nextInt(seed.length);
                byte[] copy = new byte[length];
                System.arraycopy(seed, 0, copy, 0, length);
                yield copy;
            }
            case 5 -> { // insert or delete bytes
                List<Byte> list = new ArrayList<>();
                for (byte b : seed) {
                    list.add(b);
                }
                int at = 5 + random.nextInt(list.size() - 4);
                if (random.nextBoolean() && at < list.size()) {
                    list.subList(at, Math.min(list.size(), at + 1 + random.nextInt(4))).clear();
                } else {
                    for (int k = 1 + random.nextInt(4); k > 0; k--) {
                        list.add(at, (byte) random.nextInt(256));
                    }
                }
                byte[] copy = new byte[list.size()];
                for (int k = 0; k < copy.length; k++) {
                    copy[k] = list.get(k);
                }
                yield copy;
            }
            case 6 -> { // the body of one record under another record's schema id
                byte[] copy = seed.clone();
                WireFormat.writeHeader(copy, ids.get(random.nextInt(ids.size())));
                yield copy;
            }
            case 7 -> { // splice two payloads
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int cut = 5 + random.nextInt(seed.length - 4);
                int from = 5 + random.nextInt(other.length - 4);
                byte[] copy = new byte[cut + other.length - from];
                System.arraycopy(seed, 0, copy, 0, cut);
                System.arraycopy(other, from, copy, cut, other.length - from);
                yield copy;
            }
            default -> { // a huge varint somewhere
                byte[] copy = new byte[seed.length + 5];
                int at = 5 + random.nextInt(seed.length - 4);
                System.arraycopy(seed, 0, copy, 0, at);
                byte[] varint = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
                System.arraycopy(varint, 0, copy, at, 5);
                System.arraycopy(seed, at, copy, at + 5, seed.length - at);
                yield copy;
            }
        };
    }

    @Test
    void randomAndMutatedPayloadsAreDecodedOrRejectedWithTheSerdesException() {
        Random random = new Random(SEED);
        int decoded = 0;
        Map<AvroSerdeException.Kind, Integer> rejected = new EnumMap<>(AvroSerdeException.Kind.class);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] payload = mutate(random);
            Deserializer<?> deserializer = deserializers.get(i % deserializers.size());
            AvroSerdeException.Kind headerProblem = headerProblem(payload);
            Object value;
            try {
                value = deserializer.deserialize("fuzz", payload);
            } catch (AvroSerdeException e) {
                assertThat(e.getMessage()).as("message of rejection %d", i).isNotBlank().contains("fuzz");
                assertThat(e.kind()).as("kind of rejection %d, payload %s", i, HexFormat.of().formatHex(payload))
                        .isEqualTo(headerProblem != null ? headerProblem : e.kind())
                        .isIn(headerProblem != null ? List.of(headerProblem)
                                : List.of(AvroSerdeException.Kind.TRUNCATED, AvroSerdeException.Kind.MISMATCH));
                rejected.merge(e.kind(), 1, Integer::sum);
                continue;
            } catch (Throwable t) {
                fail("iteration " + i + " (deserializer " + (i % deserializers.size()) + ") let " + t
                        + " escape for payload " + HexFormat.of().formatHex(payload), t);
                return;
            }
            assertThat(value).as("decoded value of iteration %d", i).isNotNull();
            assertThat(headerProblem).as("iteration %d decoded despite its header", i).isNull();
            if (i % deserializers.size() == 0) {
                assertDecodesAlikeWithAvrosOwnReader(payload, value, i);
            }
            decoded++;
            // whatever decodes is a valid datum of its schema: it serializes again
            byte[] again = serializer.serialize("again-" + AvroData.schemaOf(value, "fuzz").getFullName(), value);
            assertThat(again).isNotNull();
        }
        System.out.printf("fuzz: %d payloads, %d decoded, rejected by kind: %s%n", ITERATIONS, decoded, rejected);
        assertThat(decoded).as("some mutations still decode").isGreaterThan(ITERATIONS / 100);
        assertThat(rejected.keySet()).contains(AvroSerdeException.Kind.WRONG_MAGIC_BYTE, AvroSerdeException.Kind.TRUNCATED,
                AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID, AvroSerdeException.Kind.MISMATCH);
    }

    /** The kind of rejection a payload's header alone calls for, or null when the header is good. */
    private AvroSerdeException.Kind headerProblem(byte[] payload) {
        if (payload.length == 0) {
            return AvroSerdeException.Kind.TRUNCATED;
        }
        if (payload[0] != 0) {
            return AvroSerdeException.Kind.WRONG_MAGIC_BYTE;
        }
        if (payload.length < 5) {
            return AvroSerdeException.Kind.TRUNCATED;
        }
        return ids.contains(ByteBuffer.wrap(payload, 1, 4).getInt()) ? null : AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID;
    }

    /** Avro's stock reader, given the writer's schema, reads the whole body into a datum equal to the decoded one. */
    private void assertDecodesAlikeWithAvrosOwnReader(byte[] payload, Object value, int iteration) {
        Schema writer = registry.getById(ByteBuffer.wrap(payload, 1, 4).getInt());
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(payload, 5, payload.length - 5, null);
        Object reference;
        try {
            reference = new GenericDatumReader<>(writer).read(null, decoder);
            assertThat(decoder.isEnd()).as("Avro's reader used the whole body of iteration %d", iteration).isTrue();
        } catch (IOException e) {
            throw new AssertionError("iteration " + iteration + " decoded, but Avro's own reader fails: " + e, e);
        }
        // The deserializer hands out top-level strings and bytes as String and byte[], Avro's reader as Utf8 and ByteBuffer.
        Object ours = value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
        Object theirs = value instanceof String ? reference.toString() : reference;
        assertThat(ours).as("iteration %d: the same datum", iteration).isEqualTo(theirs);
    }
}
