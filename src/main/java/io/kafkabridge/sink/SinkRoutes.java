package io.kafkabridge.sink;

import io.kafkabridge.auth.Identity;
import io.kafkabridge.config.SinkOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configured sinks as a pure function: which sink an inbound address goes to for a client, the record key, and
 * the body checks (size, JSON, JSON Schema). Thread-safe.
 */
public final class SinkRoutes {

    private static final String USER = "{user}";
    private static final Pattern KEY_PART = Pattern.compile("\\{([^}]*)}");
    private static final int MAX_USER_PATTERNS = 10_000;

    private final List<Sink> sinks;

    private static final class Sink {
        final int index;
        final SinkOptions options;
        final Pattern regex;
        final boolean userBound;
        final Validator validator;
        final Map<String, Pattern> userPatterns = new ConcurrentHashMap<>();

        Sink(int index, SinkOptions options) {
            this.index = index;
            this.options = options;
            String source = options.getAddress() != null ? options.getAddress() : options.getAddressRegex();
            this.userBound = source.contains(USER);
            this.regex = options.getAddressRegex() == null || userBound ? null : Pattern.compile(options.getAddressRegex());
            this.validator = options.getSchema() == null ? null : Validator.create(JsonSchema.of(options.getSchema().copy()),
                new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("urn:kafka-eventbus-bridge:sink")
                    .setOutputFormat(OutputFormat.Basic));
        }

        /**
         * @return the regex match, an exact-address marker, or null
         */
        Matcher match(String address, Identity identity) {
            if (userBound && identity.isAnonymous()) {
                return null;
            }
            if (options.getAddress() != null) {
                String expected = userBound ? options.getAddress().replace(USER, identity.userId()) : options.getAddress();
                return expected.equals(address) ? EXACT.matcher("") : null;
            }
            Pattern pattern = regex;
            if (userBound) {
                if (userPatterns.size() > MAX_USER_PATTERNS) {
                    userPatterns.clear();
                }
                pattern = userPatterns.computeIfAbsent(identity.userId(),
                    user -> Pattern.compile(options.getAddressRegex().replace(USER, Pattern.quote(user))));
            }
            Matcher matcher = pattern.matcher(address);
            return matcher.matches() ? matcher : null;
        }
    }

    private static final Pattern EXACT = Pattern.compile("");

    /**
     * Where one client message goes.
     *
     * @param index  the sink's index in {@code sinks}
     * @param topic  the Kafka topic
     * @param key    the record key, or {@code null}
     */
    public record Target(int index, String topic, String key) {
    }

    public SinkRoutes(List<SinkOptions> options) {
        List<Sink> compiled = new ArrayList<>(options.size());
        for (int i = 0; i < options.size(); i++) {
            compiled.add(new Sink(i, options.get(i)));
        }
        this.sinks = List.copyOf(compiled);
    }

    /**
     * @return the topic of the sink at {@code index}
     */
    public String topicOf(int index) {
        return sinks.get(index).options.getTopic();
    }

    public boolean isEmpty() {
        return sinks.isEmpty();
    }

    /**
     * @param headers the client's headers (for {@code {header:NAME}} in the key)
     * @return the first sink whose address matches for this client, with the rendered key; {@code null} when none
     */
    public Target match(String address, Identity identity, MultiMap headers) {
        for (Sink sink : sinks) {
            Matcher matcher = sink.match(address, identity);
            if (matcher != null) {
                return new Target(sink.index, sink.options.getTopic(), renderKey(sink.options.getKey(), address, identity, headers, matcher));
            }
        }
        return null;
    }

    private static String renderKey(String template, String address, Identity identity, MultiMap headers, Matcher matcher) {
        if (template == null) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        Matcher part = KEY_PART.matcher(template);
        int last = 0;
        while (part.find()) {
            key.append(template, last, part.start());
            String name = part.group(1);
            String value;
            if ("user".equals(name)) {
                value = identity.userId();
            } else if ("address".equals(name)) {
                value = address;
            } else if (name.startsWith("header:")) {
                value = headers == null ? null : headers.get(name.substring("header:".length()));
            } else {
                int group = Integer.parseInt(name);
                value = group <= matcher.groupCount() ? matcher.group(group) : null;
            }
            key.append(value == null ? "" : value);
            last = part.end();
        }
        key.append(template, last, template.length());
        return key.length() == 0 ? null : key.toString();
    }

    /**
     * Checks a body against the sink and encodes it as the record value.
     *
     * @param body the client's body: JSON value (SockJS) or text (STOMP)
     * @throws SinkRejection {@code body_too_large}, {@code invalid_json}, {@code schema_violation} (naming the path)
     */
    public byte[] encode(int index, Object body) {
        Sink sink = sinks.get(index);
        SinkOptions options = sink.options;
        byte[] value = body == null ? new byte[0]
            : body instanceof String ? ((String) body).getBytes(StandardCharsets.UTF_8)
            : Json.encodeToBuffer(body).getBytes();
        if (value.length > options.getMaxBodyBytes()) {
            throw new SinkRejection(SinkRejection.BODY_TOO_LARGE, 413, "The body holds " + value.length
                + " bytes; this destination takes at most " + options.getMaxBodyBytes());
        }
        if (!"json".equals(options.getFormat())) {
            return value;
        }
        Object json;
        if (body instanceof String || body == null) {
            try {
                json = Json.decodeValue(Buffer.buffer(value));
            } catch (DecodeException e) {
                throw new SinkRejection(SinkRejection.INVALID_JSON, 400, "This destination takes JSON: " + e.getMessage());
            }
            if (body == null) {
                json = null;
            }
        } else {
            json = body;
        }
        if (sink.validator != null) {
            OutputUnit result = sink.validator.validate(json);
            if (!Boolean.TRUE.equals(result.getValid())) {
                throw new SinkRejection(SinkRejection.SCHEMA_VIOLATION, 400, describe(result));
            }
        }
        return value;
    }

    private static String describe(OutputUnit result) {
        // the most specific error: the deepest instance location, then the deepest keyword (the leaf that failed)
        OutputUnit first = result;
        if (result.getErrors() != null) {
            for (OutputUnit error : result.getErrors()) {
                if (first == result || specificity(error) > specificity(first)) {
                    first = error;
                }
            }
        }
        String location = first.getInstanceLocation() == null ? "" : first.getInstanceLocation();
        location = location.startsWith("#") ? location.substring(1) : location;
        return "Schema violation at " + (location.isEmpty() ? "#" : location) + ": " + first.getError();
    }

    private static long specificity(OutputUnit unit) {
        String instance = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
        String keyword = unit.getKeywordLocation() == null ? "" : unit.getKeywordLocation();
        return instance.split("/", -1).length * 10_000L + keyword.split("/", -1).length;
    }
}
