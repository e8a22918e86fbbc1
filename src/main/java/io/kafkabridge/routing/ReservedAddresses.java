package io.kafkabridge.routing;

import java.util.List;

/**
 * The event-bus addresses of the gateway itself ({@code kafka-eventbus-bridge.*}: the sink, a node's in-flight
 * markers, cluster stability, reconnect orders) and of Vert.x ({@code __vertx.*}: replies, cluster internals). No
 * permission rule opens them to clients, however broad, and no route publishes a record to them.
 */
public final class ReservedAddresses {

    /** Prefixes of the reserved addresses. */
    public static final List<String> PREFIXES = List.of("kafka-eventbus-bridge.", "__vertx.");

    private ReservedAddresses() {
    }

    /**
     * @return {@code true} when {@code address} belongs to the gateway or to Vert.x
     */
    public static boolean isReserved(String address) {
        for (String prefix : PREFIXES) {
            if (address.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
