package dev.ponder.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;

/**
 * A client of the Confluent Schema Registry REST API over {@code java.net.http}, tested against
 * Confluent's registry and Apicurio Registry's {@code /apis/ccompat/v7} API.
 *
 * <ul>
 *   <li>Several base URLs: a request that cannot connect, times out or gets 408, 429 or 5xx moves on
 *       to the next URL; after a round over all of them it waits (exponential backoff with jitter)
 *       and tries again, at most {@code max.retries} more rounds. Other 4xx answers fail at once.</li>
 *   <li>Caches: schema by id and id by (subject, schema) forever (ids are immutable), the latest
 *       version of a subject for {@code latest.cache.ttl.sec}.</li>
 *   <li>TLS: the JDK's default SSL context (so the standard {@code javax.net.ssl.*} system
 *       properties apply) unless {@code schema.registry.ssl.*} keys name stores.</li>
 * </ul>
 *
 * Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClientConfig config;
    private final HttpClient http;
    private final AtomicInteger preferred = new AtomicInteger();
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, RegisteredSchema>> lookupCache = new ConcurrentHashMap<>();
    private final Map<String, Timed> latestCache = new ConcurrentHashMap<>();

    private record Timed(RegisteredSchema value, long expiresAtNanos) {
    }

    /** An answer of the registry: its status and parsed JSON body. */
    private record Answer(int status, JsonNode body, String url) {
    }

    public HttpSchemaRegistryClient(RegistryClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (config.sslContext() != null) {
            builder.sslContext(config.sslContext());
        }
        this.http = builder.build();
    }

    /** A client for the registry at {@code urls} (comma-separated) with default settings. */
    public static HttpSchemaRegistryClient forUrls(String urls) {
        return new HttpSchemaRegistryClient(RegistryClientConfig.fromConfigs(Map.of(RegistryClientConfig.URL, urls)));
    }

    public RegistryClientConfig config() {
        return config;
    }

    @Override
    public String describe() {
        return String.join(",", config.urls());
    }

    // ---------------------------------------------------------------------------------- API

    @Override
    public int register(String subject, Schema schema) {
        Objects.requireNonNull(schema, "schema");
        Map<Schema, Integer> ids = idBySubjectSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        Answer answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema), subject);
        int id = intField(answer, "id", subject);
        ids.put(schema, id);
        schemaById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        Objects.requireNonNull(schema, "schema");
        Map<Schema, RegisteredSchema> cache = lookupCache.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        RegisteredSchema cached = cache.get(schema);
        if (cached != null) {
            return cached;
        }
        Answer answer = call("POST", "/subjects/" + encode(subject), schemaBody(schema), subject);
        RegisteredSchema found = new RegisteredSchema(subject, intField(answer, "id", subject),
                intField(answer, "version", subject), schema);
        cache.put(schema, found);
        idBySubjectSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, found.id());
        return found;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        Answer answer = call("GET", "/schemas/ids/" + id, null, null);
        JsonNode type = answer.body().get("schemaType");
        if (type != null && !type.isNull() && !type.asText().equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException("Schema id " + id + " at " + answer.url() + " is a " + type.asText()
                    + " schema, not Avro", answer.url(), null, answer.status(), -1, null);
        }
        Schema schema = parseSchema(textField(answer, "schema", null), answer, null, "schema id " + id);
        Schema previous = schemaById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        Duration ttl = config.latestCacheTtl();
        if (!ttl.isZero()) {
            Timed cached = latestCache.get(subject);
            if (cached != null && (ttl.isNegative() || System.nanoTime() - cached.expiresAtNanos() < 0)) {
                return cached.value();
            }
        }
        Answer answer = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null, subject);
        int id = intField(answer, "id", subject);
        Schema schema = schemaById.get(id);
        if (schema == null) {
            schema = parseSchema(textField(answer, "schema", subject), answer, subject, "the latest version");
            schemaById.putIfAbsent(id, schema);
        }
        RegisteredSchema latest = new RegisteredSchema(subject, id, intField(answer, "version", subject), schema);
        if (!ttl.isZero()) {
            latestCache.put(subject, new Timed(latest, ttl.isNegative() ? 0 : System.nanoTime() + ttl.toNanos()));
        }
        return latest;
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        try {
            Answer answer = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true",
                    schemaBody(schema), subject);
            JsonNode verdict = answer.body().get("is_compatible");
            if (verdict == null || !verdict.isBoolean()) {
                throw unexpected(answer, subject, "no boolean 'is_compatible' field");
            }
            List<String> messages = new ArrayList<>();
            JsonNode list = answer.body().get("messages");
            if (list != null && list.isArray()) {
                list.forEach(m -> messages.add(m.asText()));
            }
            return new CompatibilityResult(verdict.booleanValue(), messages);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound() && (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND)) {
                // Confluent answers 404 for a subject without versions; nothing to be incompatible with.
                return new CompatibilityResult(true, List.of("subject '" + subject + "' has no versions yet"));
            }
            throw e;
        }
    }

    @Override
    public CompatibilityLevel compatibility(String subject) {
        Answer answer;
        try {
            answer = call("GET", "/config/" + encode(subject), null, subject);
        } catch (SchemaRegistryException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            // Confluent: 404 when the subject has no level of its own (Apicurio answers the global one).
            answer = call("GET", "/config", null, subject);
        }
        JsonNode level = answer.body().get("compatibilityLevel");
        if (level == null) {
            level = answer.body().get("compatibility");
        }
        if (level == null || !level.isTextual()) {
            throw unexpected(answer, subject, "no 'compatibilityLevel' field");
        }
        try {
            return CompatibilityLevel.parse(level.asText());
        } catch (IllegalArgumentException e) {
            throw unexpected(answer, subject, e.getMessage());
        }
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        call("PUT", "/config/" + encode(subject), body.toString(), subject);
    }

    /** The subjects of the registry. */
    public List<String> subjects() {
        Answer answer = call("GET", "/subjects", null, null);
        if (!answer.body().isArray()) {
            throw unexpected(answer, null, "expected a JSON array of subjects");
        }
        List<String> subjects = new ArrayList<>();
        answer.body().forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    /** Forgets the cached latest versions (schema ids stay cached: they never change). */
    public void clearLatestCache() {
        latestCache.clear();
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistryClient[" + describe() + "]";
    }

    // ---------------------------------------------------------------------------------- HTTP

    private static String encode(String subject) {
        Objects.requireNonNull(subject, "subject");
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", PublishedSchemas.of(schema).toString()).toString();
    }

    private static String forSubject(String subject) {
        return subject == null ? "" : " for subject '" + subject + "'";
    }

    /**
     * Sends one request with failover and retries; returns the 2xx answer or throws a
     * {@link SchemaRegistryException} naming URL, subject and status.
     */
    private Answer call(String method, String path, String body, String subject) {
        List<RegistryClientConfig.Endpoint> endpoints = config.endpoints();
        int n = endpoints.size();
        SchemaRegistryException last = null;
        long wait = config.retryWait().toMillis();
        for (int round = 0; round <= config.maxRetries(); round++) {
            if (round > 0) {
                sleep(wait, method, path, subject, last);
                wait = Math.min(wait * 2, config.retryMaxWait().toMillis());
            }
            int first = Math.floorMod(preferred.get(), n);
            for (int k = 0; k < n; k++) {
                int index = (first + k) % n;
                RegistryClientConfig.Endpoint endpoint = endpoints.get(index);
                try {
                    Answer answer = send(endpoint, method, path, body, subject);
                    preferred.set(index);
                    return answer;
                } catch (RetryableFailure failure) {
                    last = failure.error;
                    preferred.compareAndSet(index, index + 1);
                }
            }
        }
        int attempts = (config.maxRetries() + 1) * n;
        throw new SchemaRegistryException("Schema registry request " + method + " " + path + forSubject(subject)
                + " failed after " + attempts + " attempt(s) over " + config.urls() + "; last error: " + last.getMessage(),
                last.url(), subject, last.status(), last.errorCode(), last);
    }

    /** A failure worth trying elsewhere or later. */
    private static final class RetryableFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient SchemaRegistryException error;

        RetryableFailure(SchemaRegistryException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    private Answer send(RegistryClientConfig.Endpoint endpoint, String method, String path, String body, String subject)
            throws RetryableFailure {
        String url = endpoint.url() + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(config.requestTimeout())
                .header("Accept", ACCEPT);
        if (endpoint.userInfo() != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(endpoint.userInfo().getBytes(StandardCharsets.UTF_8)));
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
            request.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String what = e instanceof HttpTimeoutException ? "timed out" : "failed";
            throw new RetryableFailure(new SchemaRegistryException(method + " " + url + forSubject(subject) + " " + what
                    + " without an HTTP answer: " + e, endpoint.url(), subject, -1, -1, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted during " + method + " " + url + forSubject(subject),
                    endpoint.url(), subject, -1, -1, e);
        }
        int status = response.statusCode();
        JsonNode json = parseJson(response.body());
        if (status >= 200 && status < 300) {
            if (json == null) {
                throw new SchemaRegistryException("Schema registry at " + endpoint.url() + " answered " + status + " to "
                        + method + " " + path + forSubject(subject) + " with a body that is not JSON: "
                        + abbreviate(response.body()), endpoint.url(), subject, status, -1, null);
            }
            return new Answer(status, json, endpoint.url());
        }
        int errorCode = -1;
        String message = abbreviate(response.body());
        if (json != null && json.isObject()) {
            JsonNode code = json.get("error_code");
            if (code != null && code.canConvertToInt()) {
                errorCode = code.intValue();
            }
            JsonNode text = json.get("message");
            if (text != null && !text.isNull()) {
                message = text.asText();
            }
        }
        SchemaRegistryException error = new SchemaRegistryException("Schema registry at " + endpoint.url() + " answered HTTP "
                + status + (errorCode >= 0 ? " (error_code " + errorCode + ")" : "") + " to " + method + " " + path
                + forSubject(subject) + ": " + (message.isEmpty() ? "(no message)" : message)
                + (status == 401 || status == 403 ? " (check basic.auth.credentials.source and basic.auth.user.info)" : ""),
                endpoint.url(), subject, status, errorCode, null);
        if (status == 408 || status == 429 || status >= 500) {
            throw new RetryableFailure(error);
        }
        throw error;
    }

    private void sleep(long millis, String method, String path, String subject, SchemaRegistryException last) {
        long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
        try {
            Thread.sleep(jittered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while retrying " + method + " " + path + forSubject(subject)
                    + "; last error: " + last.getMessage(), last.url(), subject, last.status(), last.errorCode(), e);
        }
    }

    private static JsonNode parseJson(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        String text = body.strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static SchemaRegistryException unexpected(Answer answer, String subject, String what) {
        return new SchemaRegistryException("Unexpected answer from the schema registry at " + answer.url()
                + forSubject(subject) + ": " + what + " in " + abbreviate(answer.body().toString()),
                answer.url(), subject, answer.status(), -1, null);
    }

    private static int intField(Answer answer, String field, String subject) {
        JsonNode value = answer.body().get(field);
        if (value == null || !value.canConvertToInt()) {
            throw unexpected(answer, subject, "no integer '" + field + "' field");
        }
        return value.intValue();
    }

    private static String textField(Answer answer, String field, String subject) {
        JsonNode value = answer.body().get(field);
        if (value == null || !value.isTextual()) {
            throw unexpected(answer, subject, "no string '" + field + "' field");
        }
        return value.asText();
    }

    private static Schema parseSchema(String text, Answer answer, String subject, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (AvroRuntimeException e) {
            throw new SchemaRegistryException("The schema registry at " + answer.url() + " returned " + what
                    + forSubject(subject) + " that is not a valid Avro schema: " + e.getMessage(),
                    answer.url(), subject, answer.status(), -1, e);
        }
    }
}
