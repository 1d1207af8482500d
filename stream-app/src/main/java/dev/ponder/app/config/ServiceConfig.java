package dev.ponder.app.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The service's settings: defaults, then a config file (properties or YAML), then environment variables
 * ({@code PONDER_ENGINE_MAX_RUNNING=16} sets {@code engine.max.running}), then explicit overrides
 * (the command line's {@code --set}), each layer winning over the one before.
 *
 * <p>Two sections pass through untouched: {@code kafka.*} goes to Kafka Streams (and so to its producer,
 * consumers and admin client, with Kafka's own {@code producer.}/{@code consumer.} prefixes), and
 * {@code serde.*} to the Avro serdes. The other sections belong to ponder and are checked: an unknown key
 * there is an error, so a typo does not silently fall back to a default.
 */
public final class ServiceConfig {
    public static final String ENV_PREFIX = "PONDER_";
    static final Set<String> PASS_THROUGH = Set.of("kafka", "serde");

    /** Every ponder-owned setting with its default. */
    public static final List<ConfigKey> KEYS = List.of(
            new ConfigKey("kafka.bootstrap.servers", "localhost:9092", "Kafka brokers. Every other kafka.* key is passed to Kafka Streams as is (SASL/SSL settings included)."),
            new ConfigKey("kafka.application.id", "ponder", "Kafka Streams application id: the consumer group, and the prefix of the state store changelog topics. Instances with the same id share the work."),
            new ConfigKey("kafka.processing.guarantee", "exactly_once_v2", "exactly_once_v2: each request yields exactly one reasoning and one answer record (read_committed). at_least_once: duplicates possible after a crash, with the same content."),
            new ConfigKey("serde.schema.registry.url", "", "Schema registry URL(s) (required); mock://SCOPE for an in-process registry. Every other serde.* key goes to the serdes (basic.auth.*, auto.register.schemas, ...)."),
            new ConfigKey("serde.class", "", "Serde class for the three topics; empty: ponder's own SpecificAvroSerde. io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde works when its jar is on the classpath."),
            new ConfigKey("topics.requests", "ponder.requests", "Topic of the jobs (ReasoningRequest)."),
            new ConfigKey("topics.reasoning", "ponder.reasoning", "Topic of the reasoning records (ReasoningRecord)."),
            new ConfigKey("topics.answers", "ponder.answers", "Topic of the answer records (AnswerRecord)."),
            new ConfigKey("topics.dead.letter", "ponder.requests.dlq", "Dead-letter topic: records of the requests topic that cannot be deserialized, with the error in headers."),
            new ConfigKey("topics.create", "false", "Create the four topics at start when they are missing (else a missing topic stops the start with an error)."),
            new ConfigKey("topics.partitions", "6", "Partitions of topics created by topics.create: the most instances that can share the work."),
            new ConfigKey("topics.replication.factor", "-1", "Replication factor of topics created by topics.create; -1: the broker's default."),
            new ConfigKey("engine.model", "models/tiny-reasoner-q8_0.gguf", "GGUF model file; a relative path is resolved against the install directory, then the working directory."),
            new ConfigKey("engine.model.name", "", "Model name written into every record; empty: the file name without .gguf."),
            new ConfigKey("engine.chat.template", "", "A Jinja chat template file used instead of the model file's own (a file without one, or with a wrong one); empty: the model's. ./ponder render shows the prompt it makes."),
            new ConfigKey("engine.threads", "", "Compute threads; empty: all cores."),
            new ConfigKey("engine.max.running", "32", "Most sequences decoded together (the batch size of a step)."),
            new ConfigKey("engine.max.queued", "256", "Most requests in flight in the engine (running and waiting)."),
            new ConfigKey("engine.max.step.tokens", "512", "Tokens per engine step (decode tokens first, then prompt chunks)."),
            new ConfigKey("engine.kv.block.size", "16", "Tokens per KV-cache block (the prefix cache's unit of sharing)."),
            new ConfigKey("engine.kv.budget.bytes", "1g", "Memory for the KV cache (and so the prefix cache), reserved off the Java heap at start; suffixes k, m, g accepted."),
            new ConfigKey("engine.kv.precision", "F16", "KV-cache element type: F16 (half the bytes of F32, and faster to attend over), F32, or Q8_0 (8-bit integers with a scale per 32 values, as GGML's q8_0: 53% of F16's bytes; heads of a multiple of 32 dimensions)."),
            new ConfigKey("engine.repetition.window", "64", "Ends a generation stuck repeating a span of at most this many tokens; 0 turns the guard off."),
            new ConfigKey("engine.repetition.min.tokens", "96", "The repeated tail must cover at least this many tokens before the guard ends it."),
            new ConfigKey("jobs.max.in.flight", "", "Most accepted, unanswered requests an instance holds; beyond it the instance stops fetching, so the backlog stays in the topic (consumer lag). Empty: engine.max.queued."),
            new ConfigKey("jobs.punctuate.interval.ms", "100", "How often (wall clock) finished results are forwarded and waiting jobs submitted."),
            new ConfigKey("jobs.dedup.retention.ms", "86400000", "How long a request_id stays known after its answer: a request with the same id (and partition) is not run again."),
            new ConfigKey("jobs.max.request.bytes", "900000", "Largest request accepted (its stored form; the store's changelog must take it): a larger one is answered INVALID."),
            new ConfigKey("defaults.max.tokens", "4096", "max_tokens of a request that does not give one."),
            new ConfigKey("defaults.max.reasoning.tokens", "0", "max_reasoning_tokens of a request that does not give one; 0: no separate reasoning budget."),
            new ConfigKey("defaults.temperature", "0.6", "Sampling temperature when the request gives none; 0 is greedy."),
            new ConfigKey("defaults.top.k", "40", "top_k when the request gives none; 0 is off."),
            new ConfigKey("defaults.top.p", "0.95", "top_p when the request gives none; 1 is off."),
            new ConfigKey("defaults.min.p", "0", "min_p when the request gives none; 0 is off."),
            new ConfigKey("defaults.repetition.penalty", "1", "repetition_penalty when the request gives none; 1 is off."),
            new ConfigKey("defaults.presence.penalty", "0", "presence_penalty when the request gives none."),
            new ConfigKey("defaults.frequency.penalty", "0", "frequency_penalty when the request gives none."),
            new ConfigKey("limits.max.tokens", "32768", "Largest max_tokens a request may ask for; above it the request is answered INVALID."),
            new ConfigKey("http.host", "0.0.0.0", "Address of the HTTP endpoint (/health, /ready, /metrics)."),
            new ConfigKey("http.port", "8080", "Port of the HTTP endpoint; 0 picks a free port, -1 turns it off."),
            new ConfigKey("shutdown.grace.ms", "30000", "On SIGTERM: how long running jobs may take to finish before the rest is handed back (resumed by another instance from the store)."));

    private static final Map<String, ConfigKey> BY_NAME = KEYS.stream()
            .collect(Collectors.toMap(ConfigKey::name, k -> k, (a, b) -> a, LinkedHashMap::new));
    private static final Set<String> SECTIONS = KEYS.stream().map(k -> section(k.name())).collect(Collectors.toSet());

    private final Map<String, String> values;

    private ServiceConfig(Map<String, String> values) {
        this.values = values;
    }

    /** Builds the settings from the layers, in order of precedence from lowest to highest. */
    public static ServiceConfig of(Map<String, String> file, Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>();
        for (ConfigKey key : KEYS) {
            merged.put(key.name(), key.defaultValue());
        }
        putChecked(merged, file, "the config file");
        putChecked(merged, fromEnvironment(environment), "the environment");
        putChecked(merged, overrides, "--set");
        return new ServiceConfig(merged);
    }

    /** Reads {@code file} (may be null) and the process environment. */
    public static ServiceConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> fromFile = file == null ? Map.of() : ConfigFile.read(file);
        return of(fromFile, System.getenv(), overrides);
    }

    /** Settings from {@code PONDER_*} variables whose first word is a known section. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> out = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (SECTIONS.contains(section(key)) || PASS_THROUGH.contains(section(key))) {
                    out.put(key, value);
                }
            }
        });
        return out;
    }

    private static void putChecked(Map<String, String> target, Map<String, String> layer, String origin) {
        for (Map.Entry<String, String> e : layer.entrySet()) {
            String key = e.getKey().trim();
            String section = section(key);
            if (!PASS_THROUGH.contains(section) && !BY_NAME.containsKey(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' in " + origin + suggestion(key));
            }
            target.put(key, e.getValue() == null ? "" : e.getValue().trim());
        }
    }

    private static String suggestion(String key) {
        String section = section(key);
        List<String> same = KEYS.stream().map(ConfigKey::name).filter(n -> section(n).equals(section)).toList();
        if (!same.isEmpty()) {
            return "; the " + section + " section has: " + String.join(", ", same);
        }
        return "; sections are kafka.*, serde.* (passed through) and " + SECTIONS.stream().sorted()
                .filter(s -> !PASS_THROUGH.contains(s)).map(s -> s + ".*").collect(Collectors.joining(", "));
    }

    private static String section(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    // ---------------------------------------------------------------- typed access

    public String string(String key) {
        String v = values.get(key);
        return v == null ? "" : v;
    }

    public boolean has(String key) {
        return !string(key).isEmpty();
    }

    public int integer(String key) {
        return (int) Math.min(Integer.MAX_VALUE, number(key));
    }

    public long number(String key) {
        String v = string(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
        }
    }

    public double decimal(String key) {
        String v = string(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v + "'");
        }
    }

    public boolean bool(String key) {
        String v = string(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0", "" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + v + "'");
        };
    }

    /** A byte size: a whole number with an optional k, m or g suffix (powers of 1024). */
    public long bytes(String key) {
        String v = string(key).toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        if (!v.isEmpty() && "kmg".indexOf(v.charAt(v.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmg".indexOf(v.charAt(v.length() - 1)) + 1));
            v = v.substring(0, v.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(v.trim()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(key + " must be a size such as 1073741824, 512m or 1g, not '" + string(key) + "'");
        }
    }

    /** The keys under {@code prefix} (e.g. {@code "kafka."}) with the prefix removed. */
    public Map<String, String> section(String prefix, Set<String> except) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && !except.contains(k)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** All settings, masked for logging. */
    public Map<String, String> describe() {
        return Secrets.masked(values);
    }

    public ServiceConfig with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(values);
        putChecked(copy, Map.of(key, value), "code");
        return new ServiceConfig(copy);
    }

    @Override
    public String toString() {
        return describe().toString();
    }

    /** The entries of this config in file form, for tests and child processes. */
    public Map<String, String> asMap() {
        return new TreeMap<>(values);
    }

    static List<String> knownSections() {
        return new ArrayList<>(SECTIONS);
    }
}
