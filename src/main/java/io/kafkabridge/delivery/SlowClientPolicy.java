package io.kafkabridge.delivery;

/**
 * What a connection's outbound queue does with a message that does not fit ({@code limits.slowClientPolicy}, per
 * outbound rule or per route).
 */
public enum SlowClientPolicy {

    /** The client gets {@code slow_consumer} (naming the last position it was sent) and is disconnected. */
    DISCONNECT("disconnect"),
    /** The oldest queued messages make room; the next message written carries {@code dropped: N}. */
    DROP_OLDEST("drop-oldest"),
    /** Only the newest queued message per Kafka key (and address) is kept. */
    CONFLATE("conflate");

    private final String configName;

    SlowClientPolicy(String configName) {
        this.configName = configName;
    }

    /**
     * @return the name used in the configuration
     */
    public String configName() {
        return configName;
    }

    /**
     * @return the policy of that configuration name, or {@code null}
     */
    public static SlowClientPolicy fromConfigName(String name) {
        for (SlowClientPolicy policy : values()) {
            if (policy.configName.equals(name)) {
                return policy;
            }
        }
        return null;
    }
}
