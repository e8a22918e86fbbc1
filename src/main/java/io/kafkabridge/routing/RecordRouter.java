package io.kafkabridge.routing;

import io.kafkabridge.config.RouteOptions;
import io.vertx.core.MultiMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Maps a Kafka record to event-bus messages: a pure function of the record and the configured routes.
 * <p>
 * A record goes to every route whose topic matches. Each message carries the headers {@code kafka.topic},
 * {@code kafka.partition}, {@code kafka.offset}, {@code kafka.timestamp}, {@code kafka.key} (when the record has a
 * key), {@code kafka.format} (how the body was encoded) and the record's own headers (UTF-8); the {@code kafka.*}
 * names are reserved and win over record headers of the same name.
 */
public final class RecordRouter {

    public static final String HEADER_TOPIC = "kafka.topic";
    public static final String HEADER_PARTITION = "kafka.partition";
    public static final String HEADER_OFFSET = "kafka.offset";
    public static final String HEADER_TIMESTAMP = "kafka.timestamp";
    public static final String HEADER_KEY = "kafka.key";
    public static final String HEADER_FORMAT = "kafka.format";
    /** Set on the messages of a route that names its own {@code slowClientPolicy}. */
    public static final String HEADER_SLOW_CLIENT_POLICY = "slow-client-policy";
    private static final String KAFKA_HEADER_PREFIX = "kafka.";

    private final List<Route> routes;
    private final Set<String> nodeAddresses;

    /**
     * @return whether the header is one only the router sets ({@code kafka.*}, {@code slow-client-policy}, any case): a
     * client's message carries none (its position would move the address's positions and resume tokens)
     */
    public static boolean isRouterHeader(String name) {
        return name.regionMatches(true, 0, KAFKA_HEADER_PREFIX, 0, KAFKA_HEADER_PREFIX.length())
            || HEADER_SLOW_CLIENT_POLICY.equalsIgnoreCase(name);
    }

    public RecordRouter(List<RouteOptions> routes) {
        this(routes, Set.of());
    }

    /**
     * @param nodeAddresses addresses the nodes publish on themselves (the operator page's stats): like the reserved
     *                      ones, no record reaches them through a placeholder
     */
    public RecordRouter(List<RouteOptions> routes, Set<String> nodeAddresses) {
        List<Route> compiled = new ArrayList<>(routes.size());
        for (int i = 0; i < routes.size(); i++) {
            compiled.add(new Route(i, routes.get(i)));
        }
        this.routes = List.copyOf(compiled);
        this.nodeAddresses = Set.copyOf(nodeAddresses);
    }

    public List<Route> routes() {
        return routes;
    }

    /**
     * @return the exact topics named by routes
     */
    public Set<String> topics() {
        return routes.stream().map(Route::topic).filter(t -> t != null).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * @return one pattern that matches every routed topic (exact topics quoted), for a single Kafka subscription
     */
    public Pattern subscriptionPattern() {
        return Pattern.compile(routes.stream()
            .map(r -> r.topic() != null ? Pattern.quote(r.topic()) : "(?:" + r.topicPattern().pattern() + ")")
            .collect(Collectors.joining("|")));
    }

    /**
     * @return {@code true} when some route uses {@code topicPattern}, so the consumer must subscribe by pattern
     */
    public boolean needsPatternSubscription() {
        return routes.stream().anyMatch(r -> r.topicPattern() != null);
    }

    /**
     * @param address    an address a client subscribes to
     * @param topicNames the topics that exist (for pattern routes)
     * @return the topics whose records some route may send to {@code address}: what a replay of it reads
     */
    public Set<String> topicsFeeding(String address, Collection<String> topicNames) {
        Set<String> feeding = new TreeSet<>();
        for (Route route : routes) {
            if (!route.address().canRender(address)) {
                continue;
            }
            if (route.topic() != null) {
                if (route.address().canRender(address, route.topic())) {
                    feeding.add(route.topic());
                }
            } else {
                topicNames.stream().filter(t -> route.matchesTopic(t) && route.address().canRender(address, t)).forEach(feeding::add);
            }
        }
        return feeding;
    }

    /**
     * @return the routes that read {@code topic}
     */
    public List<Route> routesOf(String topic) {
        List<Route> matching = new ArrayList<>(1);
        for (Route route : routes) {
            if (route.matchesTopic(topic)) {
                matching.add(route);
            }
        }
        return matching;
    }

    public RoutingResult route(ConsumerRecord<byte[], byte[]> record) {
        return route(record, (Predicate<String>) null);
    }

    /**
     * @return the messages of the record that go to {@code address} (a replay of it): no other address's body is
     * decoded
     */
    public List<RoutedMessage> routeTo(ConsumerRecord<byte[], byte[]> record, String address) {
        return route(record, address::equals).messages();
    }

    /**
     * @return the messages of the record whose address is {@code wanted} (replays of those addresses): no other
     * address's body is decoded
     */
    public List<RoutedMessage> routeTo(ConsumerRecord<byte[], byte[]> record, Predicate<String> wanted) {
        return route(record, wanted).messages();
    }

    private RoutingResult route(ConsumerRecord<byte[], byte[]> record, Predicate<String> wanted) {
        List<Route> matched = new ArrayList<>(1);
        List<String> addresses = new ArrayList<>(1);
        List<Integer> unfilled = List.of();
        for (Route route : routes) {
            if (!route.matchesTopic(record.topic())) {
                continue;
            }
            String address = route.address().render(record);
            // a record cannot reach the gateway's own addresses through a placeholder
            if (address == null || ReservedAddresses.isReserved(address) || nodeAddresses.contains(address)) {
                if (unfilled.isEmpty()) {
                    unfilled = new ArrayList<>(1);
                }
                unfilled.add(route.index());
                continue;
            }
            if (wanted != null && !wanted.test(address)) {
                continue;
            }
            matched.add(route);
            addresses.add(address);
        }
        if (matched.isEmpty()) {
            return new RoutingResult(List.of(), unfilled, false);
        }
        List<RoutedMessage> messages = new ArrayList<>(matched.size());
        Map<PayloadFormat, Body> bodies = new EnumMap<>(PayloadFormat.class);
        MultiMap headers = headersOf(record);
        boolean invalidJson = false;
        for (int i = 0; i < matched.size(); i++) {
            Route route = matched.get(i);
            Body body = bodies.computeIfAbsent(route.format(), format -> decode(format, record.value()));
            invalidJson |= body.invalidJson();
            // the record's headers are copied only when it has several messages (one route: the common case)
            MultiMap messageHeaders = matched.size() == 1 ? headers : MultiMap.caseInsensitiveMultiMap().addAll(headers);
            messageHeaders.set(HEADER_FORMAT, body.format().configName());
            if (route.slowClientPolicy() != null) {
                messageHeaders.set(HEADER_SLOW_CLIENT_POLICY, route.slowClientPolicy().configName());
            }
            messages.add(new RoutedMessage(addresses.get(i), body.value(), messageHeaders, route.index()));
        }
        return new RoutingResult(messages, unfilled, invalidJson);
    }

    private record Body(Object value, PayloadFormat format, boolean invalidJson) {
    }

    static MultiMap headersOf(ConsumerRecord<byte[], byte[]> record) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (Header header : record.headers()) {
            headers.add(header.key(), header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        }
        headers.set(HEADER_TOPIC, record.topic());
        headers.set(HEADER_PARTITION, Integer.toString(record.partition()));
        headers.set(HEADER_OFFSET, Long.toString(record.offset()));
        headers.set(HEADER_TIMESTAMP, Long.toString(record.timestamp()));
        if (record.key() != null) {
            headers.set(HEADER_KEY, new String(record.key(), StandardCharsets.UTF_8));
        } else {
            headers.remove(HEADER_KEY);
        }
        return headers;
    }

    private static Body decode(PayloadFormat format, byte[] value) {
        if (value == null) {
            return new Body(null, format, false);
        }
        switch (format) {
            case STRING:
                return new Body(new String(value, StandardCharsets.UTF_8), PayloadFormat.STRING, false);
            case BASE64:
                return new Body(Base64.getEncoder().encodeToString(value), PayloadFormat.BASE64, false);
            case JSON:
            default:
                // checked once, carried as its bytes to the wire
                JsonBytes json = JsonBytes.of(value);
                return json != null ? new Body(json, PayloadFormat.JSON, false)
                    : new Body(new String(value, StandardCharsets.UTF_8), PayloadFormat.STRING, true);
        }
    }

}
