package io.kafkabridge.routing;

import io.kafkabridge.config.RouteOptions;
import io.kafkabridge.delivery.SlowClientPolicy;

import java.util.regex.Pattern;

/**
 * A compiled {@link RouteOptions}: topic matcher, address template and body format.
 */
public final class Route {

    private final int index;
    private final String topic;
    private final Pattern topicPattern;
    private final AddressTemplate address;
    private final PayloadFormat format;
    private final SlowClientPolicy slowClientPolicy;

    public Route(int index, RouteOptions options) {
        this.index = index;
        this.topic = options.getTopic();
        this.topicPattern = options.getTopicPattern() == null ? null : Pattern.compile(options.getTopicPattern());
        this.address = AddressTemplate.parse(options.getAddress());
        this.format = options.getFormat();
        this.slowClientPolicy = options.getSlowClientPolicy();
    }

    /**
     * @return the route's own slow-client policy, or {@code null}
     */
    public SlowClientPolicy slowClientPolicy() {
        return slowClientPolicy;
    }

    public boolean matchesTopic(String candidate) {
        return topic != null ? topic.equals(candidate) : topicPattern.matcher(candidate).matches();
    }

    public int index() {
        return index;
    }

    /**
     * @return the exact topic, or {@code null} for a pattern route
     */
    public String topic() {
        return topic;
    }

    /**
     * @return the topic pattern, or {@code null} for an exact-topic route
     */
    public Pattern topicPattern() {
        return topicPattern;
    }

    public AddressTemplate address() {
        return address;
    }

    public PayloadFormat format() {
        return format;
    }

    @Override
    public String toString() {
        return "routes[" + index + "] (" + (topic != null ? "topic " + topic : "topicPattern " + topicPattern)
            + " -> " + address + ")";
    }
}
