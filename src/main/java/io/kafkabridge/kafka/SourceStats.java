package io.kafkabridge.kafka;

import io.kafkabridge.routing.Route;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the Kafka source, per topic: records consumed, messages published, records that reached no address,
 * values that a {@code json} route could not parse, and values too large to deliver; per route, the records it did not
 * deliver and why.
 */
public final class SourceStats {

    /** The reason a route did not deliver a record whose value is over {@code limits.maxOutboundMessageBytes}. */
    public static final String TOO_LARGE = "too_large";

    private static final class TopicCounters {
        final LongAdder consumed = new LongAdder();
        final LongAdder published = new LongAdder();
        final LongAdder unroutable = new LongAdder();
        final LongAdder invalidJson = new LongAdder();
        final LongAdder tooLarge = new LongAdder();
    }

    private record RouteCounters(Route route, LongAdder tooLarge) {
    }

    private final Map<String, TopicCounters> topics = new ConcurrentHashMap<>();
    private final Map<Integer, RouteCounters> routes = new ConcurrentHashMap<>();
    /** The partitions the source owns now, as "topic-partition", in order. */
    private final Set<String> owned = new ConcurrentSkipListSet<>();

    private TopicCounters countersOf(String topic) {
        return topics.computeIfAbsent(topic, t -> new TopicCounters());
    }

    public void recordConsumed(String topic) {
        countersOf(topic).consumed.increment();
    }

    public void recordPublished(String topic, int messages) {
        countersOf(topic).published.add(messages);
    }

    public void recordUnroutable(String topic) {
        countersOf(topic).unroutable.increment();
    }

    /**
     * A record whose value is over {@code limits.maxOutboundMessageBytes}: not delivered by any of {@code routes}.
     */
    public void recordTooLarge(String topic, List<Route> routesOfTopic) {
        countersOf(topic).tooLarge.increment();
        for (Route route : routesOfTopic) {
            routes.computeIfAbsent(route.index(), i -> new RouteCounters(route, new LongAdder())).tooLarge.increment();
        }
    }

    public void recordInvalidJson(String topic) {
        countersOf(topic).invalidJson.increment();
    }

    public long unroutable(String topic) {
        return sum(topic, counters -> counters.unroutable);
    }

    public long consumed(String topic) {
        return sum(topic, counters -> counters.consumed);
    }

    public long published(String topic) {
        return sum(topic, counters -> counters.published);
    }

    public long invalidJson(String topic) {
        return sum(topic, counters -> counters.invalidJson);
    }

    public long tooLarge(String topic) {
        return sum(topic, counters -> counters.tooLarge);
    }

    /**
     * The group gave these partitions to this node.
     */
    public void recordAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        partitions.forEach(partition -> owned.add(partition.toString()));
    }

    /**
     * These partitions left this node (revoked, lost, or the source stopped).
     */
    public void recordReleased(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        partitions.forEach(partition -> owned.remove(partition.toString()));
    }

    /**
     * @return the partitions this node's source owns, as {@code "topic-partition"}, in order
     */
    public List<String> ownedPartitions() {
        return List.copyOf(owned);
    }

    /**
     * @return the topics seen so far
     */
    public Set<String> topics() {
        return Set.copyOf(topics.keySet());
    }

    private long sum(String topic, java.util.function.Function<TopicCounters, LongAdder> counter) {
        TopicCounters counters = topics.get(topic);
        return counters == null ? 0 : counter.apply(counters).sum();
    }

    /**
     * @return {@code {"<topic>": {"consumed": n, "published": n, "unroutable": n, "invalidJson": n, "tooLarge": n}, ...}}
     */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        new TreeMap<>(topics).forEach((topic, c) -> json.put(topic, new JsonObject()
            .put("consumed", c.consumed.sum())
            .put("published", c.published.sum())
            .put("unroutable", c.unroutable.sum())
            .put("invalidJson", c.invalidJson.sum())
            .put("tooLarge", c.tooLarge.sum())));
        return json;
    }

    /**
     * @return {@code {"routes[<i>]": {"topic" or "topicPattern": ..., "address": ..., "undelivered": {"too_large": n}}, ...}},
     *     for the routes that left records undelivered
     */
    public JsonObject routesToJson() {
        JsonObject json = new JsonObject();
        new TreeMap<>(routes).forEach((index, c) -> {
            JsonObject route = new JsonObject();
            if (c.route().topic() != null) {
                route.put("topic", c.route().topic());
            } else {
                route.put("topicPattern", c.route().topicPattern().pattern());
            }
            json.put("routes[" + index + "]", route.put("address", c.route().address().toString())
                .put("undelivered", new JsonObject().put(TOO_LARGE, c.tooLarge().sum())));
        });
        return json;
    }
}
