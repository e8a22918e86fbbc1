package io.kafkabridge.testing;

import io.kafkabridge.MainVerticle;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gateway node deployed in a test's Vert.x instance, against the test broker, on free ports.
 */
public final class GatewayNode {

    private final Vertx vertx;
    private final MainVerticle verticle;
    private final String deploymentId;

    private GatewayNode(Vertx vertx, MainVerticle verticle, String deploymentId) {
        this.vertx = vertx;
        this.verticle = verticle;
        this.deploymentId = deploymentId;
    }

    /**
     * A config for the test broker: HTTP and STOMP TCP on free ports, no demo feed, offsets from the earliest.
     */
    public static JsonObject config(EmbeddedKafka kafka, String groupId, JsonArray routes, JsonObject bridge) {
        return new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("stomp", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("kafka", new JsonObject()
                .put("bootstrapServers", kafka.bootstrapServers())
                .put("groupId", groupId)
                .put("autoOffsetReset", "earliest")
                .put("commitIntervalMs", 200))
            .put("routes", routes)
            .put("bridge", bridge)
            .put("demo", new JsonObject().put("enabled", false));
    }

    public static GatewayNode deploy(Vertx vertx, JsonObject config) {
        MainVerticle verticle = new MainVerticle();
        String id = await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)), Duration.ofSeconds(60));
        return new GatewayNode(vertx, verticle, id);
    }

    public static <T> T await(Future<T> future, Duration timeout) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("operation did not complete in " + timeout + ": " + e, e);
        }
    }

    public int httpPort() {
        return verticle.httpPort();
    }

    public int stompPort() {
        return verticle.stompPort();
    }

    public int metricsPort() {
        return verticle.metricsPort();
    }

    public String httpBase() {
        return "http://127.0.0.1:" + httpPort();
    }

    public String stompWebSocketUrl() {
        return "ws://127.0.0.1:" + httpPort() + "/stomp";
    }

    /**
     * Starts the node's graceful shutdown (as SIGTERM does) from the calling thread.
     */
    public Future<Void> shutdownGracefully() {
        return verticle.shutdownGracefully();
    }

    public String deploymentId() {
        return deploymentId;
    }

    public void undeploy() {
        await(vertx.undeploy(deploymentId), Duration.ofSeconds(30));
    }
}
