package io.kafkabridge.metrics;

import io.kafkabridge.config.AdminOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Publishes the node's stats on {@code admin.statsAddress} every {@code admin.statsIntervalMs}, on the clustered bus:
 * the operator page ({@code admin.html}) subscribes to the address through the bridge on any node and sees every node.
 * Runs on the event loop of the verticle that starts it; the stats are gathered from wherever they are kept.
 */
public final class NodeStatsPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(NodeStatsPublisher.class);

    private final Vertx vertx;
    private final AdminOptions options;
    private final Supplier<Future<JsonObject>> stats;
    private long timer = -1;

    /**
     * @param stats the node's stats at the moment they are published
     */
    public NodeStatsPublisher(Vertx vertx, AdminOptions options, Supplier<Future<JsonObject>> stats) {
        this.vertx = vertx;
        this.options = options;
        this.stats = stats;
    }

    public NodeStatsPublisher start() {
        if (!options.isEnabled()) {
            LOG.info("Node stats off (admin.enabled = false)");
            return this;
        }
        timer = vertx.setPeriodic(options.getStatsIntervalMs(), id -> publish());
        LOG.info("Node stats published on {} every {} ms (admin.html)", options.getStatsAddress(), options.getStatsIntervalMs());
        return this;
    }

    private void publish() {
        stats.get()
            .onSuccess(json -> vertx.eventBus().publish(options.getStatsAddress(), json.put("time", System.currentTimeMillis())
                .put("intervalMs", options.getStatsIntervalMs())))
            .onFailure(e -> LOG.warn("Node stats on {} not published: {}", options.getStatsAddress(), e.toString()));
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
