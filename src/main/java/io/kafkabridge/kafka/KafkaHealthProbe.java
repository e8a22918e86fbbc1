package io.kafkabridge.kafka;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Asks Kafka for its cluster description every few seconds, so that {@code /health} tells whether Kafka is reachable.
 */
public final class KafkaHealthProbe {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaHealthProbe.class);
    /** Interval between two probes, in milliseconds. */
    public static final long DEFAULT_INTERVAL_MS = 5000;

    private final Vertx vertx;
    private final String bootstrapServers;
    private KafkaAdminClient admin;
    private volatile boolean reachable;
    private volatile int brokers;
    private volatile String lastError;
    private long timer = -1;

    public KafkaHealthProbe(Vertx vertx, String bootstrapServers) {
        this.vertx = vertx;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Probes once now and then periodically.
     *
     * @return the first probe's outcome
     */
    public Future<Void> start() {
        // the native client resolves its bootstrap addresses when created: not on the event loop
        Map<String, Object> config = Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000",
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "4500");
        return vertx.executeBlocking(() -> AdminClient.create(config), false).compose(created -> {
            admin = KafkaAdminClient.create(vertx, created);
            timer = vertx.setPeriodic(DEFAULT_INTERVAL_MS, id -> probe());
            return probe();
        });
    }

    private Future<Void> probe() {
        return admin.describeCluster().andThen(result -> {
            boolean was = reachable;
            if (result.succeeded()) {
                reachable = true;
                brokers = result.result().getNodes().size();
                lastError = null;
                if (!was) {
                    LOG.info("Kafka at {} reachable ({} broker(s))", bootstrapServers, brokers);
                }
            } else {
                reachable = false;
                lastError = result.cause().toString();
                if (was) {
                    LOG.warn("Kafka at {} unreachable: {}", bootstrapServers, lastError);
                }
            }
        }).mapEmpty();
    }

    public boolean isReachable() {
        return reachable;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("bootstrapServers", bootstrapServers).put("reachable", reachable);
        if (reachable) {
            json.put("brokers", brokers);
        } else if (lastError != null) {
            json.put("error", lastError);
        }
        return json;
    }

    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return admin == null ? Future.succeededFuture() : admin.close();
    }
}
