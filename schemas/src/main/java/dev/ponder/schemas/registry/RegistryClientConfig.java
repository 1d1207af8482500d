package dev.ponder.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of {@link HttpSchemaRegistryClient}, read from the same configuration keys as
 * Confluent's serdes and client, so one configuration map works with either.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code schema.registry.url}</td><td>(required)</td><td>comma-separated base URLs, tried in
 *     turn when one fails; {@code mock://scope} for the in-process registry</td></tr>
 * <tr><td>{@code basic.auth.credentials.source}</td><td>{@code URL}</td><td>{@code USER_INFO}: take
 *     {@code basic.auth.user.info}; {@code URL}: take the user info of each URL
 *     ({@code https://user:pass@host})</td></tr>
 * <tr><td>{@code basic.auth.user.info}</td><td></td><td>{@code user:password}</td></tr>
 * <tr><td>{@code http.connect.timeout.ms}</td><td>10000</td><td>TCP/TLS connect timeout</td></tr>
 * <tr><td>{@code http.read.timeout.ms}</td><td>30000</td><td>timeout of one request</td></tr>
 * <tr><td>{@code max.retries}</td><td>3</td><td>retries after the first round over all URLs, on
 *     connection failures, timeouts and HTTP 408, 429, 5xx</td></tr>
 * <tr><td>{@code retries.wait.ms}</td><td>200</td><td>first backoff; doubles each retry</td></tr>
 * <tr><td>{@code retries.max.wait.ms}</td><td>5000</td><td>backoff cap</td></tr>
 * <tr><td>{@code latest.cache.ttl.sec}</td><td>-1</td><td>how long the latest version of a subject is
 *     cached; -1: for the life of the client (Confluent's default), 0: not cached</td></tr>
 * <tr><td>{@code schema.registry.ssl.truststore.location} / {@code .password} / {@code .type}</td>
 *     <td></td><td>trust store for https URLs; without it the JDK's default trust
 *     ({@code javax.net.ssl.trustStore} system properties or the JDK's cacerts)</td></tr>
 * <tr><td>{@code schema.registry.ssl.keystore.location} / {@code .password} / {@code .type},
 *     {@code schema.registry.ssl.key.password}</td><td></td><td>client certificate (mutual TLS)</td></tr>
 * </table>
 */
public record RegistryClientConfig(
        List<Endpoint> endpoints,
        Duration connectTimeout,
        Duration requestTimeout,
        int maxRetries,
        Duration retryWait,
        Duration retryMaxWait,
        Duration latestCacheTtl,
        SSLContext sslContext) {

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Confluent's older spelling of {@link #BASIC_AUTH_USER_INFO}, still honoured. */
    public static final String LEGACY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";
    public static final String SSL_PREFIX = "schema.registry.ssl.";

    /** One registry base URL (without user info) and the basic credentials to send it, if any. */
    public record Endpoint(URI baseUri, String userInfo) {
        public Endpoint {
            Objects.requireNonNull(baseUri, "baseUri");
        }

        /** The base URL as text, without trailing slash or credentials. */
        public String url() {
            return baseUri.toString();
        }

        @Override
        public String toString() {
            return url();
        }
    }

    public RegistryClientConfig {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new ConfigException(URL, "", "at least one schema registry URL is needed");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retryWait, "retryWait");
        Objects.requireNonNull(retryMaxWait, "retryMaxWait");
        Objects.requireNonNull(latestCacheTtl, "latestCacheTtl"); // negative: cached for the client's life
        if (maxRetries < 0) {
            throw new ConfigException(MAX_RETRIES, maxRetries, "must be >= 0");
        }
    }

    /** The URLs of the endpoints, for messages. */
    public List<String> urls() {
        return endpoints.stream().map(Endpoint::url).toList();
    }

    /** The comma-separated URLs of {@link #URL} in {@code configs}, trimmed; empty when absent. */
    public static List<String> urlList(Map<String, ?> configs) {
        Object value = configs.get(URL);
        List<String> urls = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object item : list) {
                urls.add(String.valueOf(item).trim());
            }
        } else if (value != null) {
            for (String part : value.toString().split(",")) {
                urls.add(part.trim());
            }
        }
        urls.removeIf(String::isEmpty);
        return urls;
    }

    /** Reads the settings from a serde or client configuration map (keys as in Confluent's). */
    public static RegistryClientConfig fromConfigs(Map<String, ?> configs) {
        List<String> urls = urlList(configs);
        if (urls.isEmpty()) {
            throw new ConfigException("Missing required configuration \"" + URL
                    + "\": the schema registry URL(s), comma-separated (or mock://<scope>)");
        }
        String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE, "URL").toUpperCase(Locale.ROOT);
        String userInfo = string(configs, BASIC_AUTH_USER_INFO, null);
        if (userInfo == null) {
            userInfo = string(configs, LEGACY_BASIC_AUTH_USER_INFO, null);
        }
        switch (source) {
            case "USER_INFO" -> {
                if (userInfo == null || !userInfo.contains(":")) {
                    throw new ConfigException(BASIC_AUTH_USER_INFO, userInfo == null ? null : "(hidden)",
                            "basic.auth.credentials.source=USER_INFO needs basic.auth.user.info as user:password");
                }
            }
            case "URL" -> userInfo = null;
            default -> throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source,
                    "supported: USER_INFO, URL (SASL_INHERIT is not supported by this client)");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String url : urls) {
            endpoints.add(endpoint(url, userInfo, source.equals("URL")));
        }
        long latestTtl = longValue(configs, LATEST_CACHE_TTL_SEC, -1);
        return new RegistryClientConfig(endpoints,
                Duration.ofMillis(positive(configs, CONNECT_TIMEOUT_MS, 10_000)),
                Duration.ofMillis(positive(configs, READ_TIMEOUT_MS, 30_000)),
                (int) longValue(configs, MAX_RETRIES, 3),
                Duration.ofMillis(positive(configs, RETRIES_WAIT_MS, 200)),
                Duration.ofMillis(positive(configs, RETRIES_MAX_WAIT_MS, 5_000)),
                Duration.ofSeconds(latestTtl),
                sslContext(configs));
    }

    private static Endpoint endpoint(String url, String configuredUserInfo, boolean userInfoFromUrl) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException(URL, url, "not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ConfigException(URL, url, "expected http://, https:// or mock:// URLs");
        }
        if (uri.getHost() == null) {
            throw new ConfigException(URL, url, "the URL has no host");
        }
        String userInfo = configuredUserInfo;
        if (userInfoFromUrl && uri.getUserInfo() != null) {
            userInfo = uri.getUserInfo(); // percent-decoded
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        try {
            URI base = new URI(scheme + "://" + hostPort(uri) + path);
            return new Endpoint(base, userInfo);
        } catch (URISyntaxException e) {
            throw new ConfigException(URL, url, "not a valid URL: " + e.getMessage());
        }
    }

    private static String hostPort(URI uri) {
        String host = uri.getHost();
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return uri.getPort() >= 0 ? host + ":" + uri.getPort() : host;
    }

    static String string(Map<String, ?> configs, String key, String defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Password password) {
            return password.value();
        }
        String text = value.toString().trim();
        return text.isEmpty() ? defaultValue : text;
    }

    static long longValue(Map<String, ?> configs, String key, long defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number number) {
            return number.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected an integer");
        }
    }

    private static long positive(Map<String, ?> configs, String key, long defaultValue) {
        long value = longValue(configs, key, defaultValue);
        if (value <= 0) {
            throw new ConfigException(key, value, "must be > 0");
        }
        return value;
    }

    /** An SSL context from the {@code schema.registry.ssl.*} keys, or null for the JDK default. */
    private static SSLContext sslContext(Map<String, ?> configs) {
        String trustLocation = string(configs, SSL_PREFIX + "truststore.location", null);
        String keyLocation = string(configs, SSL_PREFIX + "keystore.location", null);
        if (trustLocation == null && keyLocation == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustLocation != null) {
                KeyStore trust = load(trustLocation, string(configs, SSL_PREFIX + "truststore.type", "PKCS12"),
                        string(configs, SSL_PREFIX + "truststore.password", null), SSL_PREFIX + "truststore.location");
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (keyLocation != null) {
                String storePassword = string(configs, SSL_PREFIX + "keystore.password", null);
                KeyStore keys = load(keyLocation, string(configs, SSL_PREFIX + "keystore.type", "PKCS12"),
                        storePassword, SSL_PREFIX + "keystore.location");
                String keyPassword = string(configs, SSL_PREFIX + "key.password", storePassword);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, keyPassword == null ? new char[0] : keyPassword.toCharArray());
            }
            SSLContext context = SSLContext.getInstance(string(configs, SSL_PREFIX + "protocol", "TLS"));
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot set up TLS for the schema registry client from "
                    + SSL_PREFIX + "*: " + e.getMessage());
        }
    }

    private static KeyStore load(String location, String type, String password, String key) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password == null ? null : password.toCharArray());
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot read the " + type + " store: " + e.getMessage());
        }
        return store;
    }
}
