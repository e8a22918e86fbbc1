package io.kafkabridge.e2e;

import io.kafkabridge.bridge.ErrorCodes;
import io.kafkabridge.kafka.EmbeddedKafka;
import io.kafkabridge.testing.BridgeProbes;
import io.kafkabridge.testing.ClusteredVertx;
import io.kafkabridge.testing.GatewayNode;
import io.kafkabridge.testing.KafkaBroker;
import io.kafkabridge.testing.RawSockJsClient;
import io.kafkabridge.testing.RawStompClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's own life: a graceful shutdown started from a thread of no verticle (the JVM's shutdown hook) while records
 * are being delivered, and a subscription that the cluster cannot record.
 */
@ExtendWith(KafkaBroker.class)
class NodeLifecycleTest {

    private static JsonObject config(EmbeddedKafka kafka, String id, String address) {
        JsonObject bridge = new JsonObject()
            .put("outboundPermitteds", new JsonArray().add(new JsonObject().put("address", address)))
            .put("inboundPermitteds", new JsonArray().add(new JsonObject().put("address", "sink." + id)));
        JsonArray routes = new JsonArray().add(new JsonObject().put("topic", "lifecycle." + id).put("address", address));
        return GatewayNode.config(kafka, "lifecycle-" + id, routes, bridge)
            .put("sinks", new JsonArray().add(new JsonObject().put("address", "sink." + id).put("topic", "lifecycle." + id)));
    }

    @Test
    void aShutdownStartedOffTheEventLoopsWhileDeliveringTellsEveryClientAndStopsEveryComponent(EmbeddedKafka kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String address = "lifecycle.feed." + id;
        KafkaBroker.createTopics(kafka, java.util.List.of("lifecycle." + id), 1);
        Vertx vertx = Vertx.vertx();
        try {
            GatewayNode node = GatewayNode.deploy(vertx, config(kafka, id, address));
            RawStompClient stomp = RawStompClient.connectTcp(vertx, node.stompPort());
            BridgeProbes.stompConnect(stomp, "0,0");
            BridgeProbes.stompSubscribe(stomp, "feed", address);
            RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null);
            sockJs.register(address);
            BridgeProbes.awaitStompProbe(vertx, stomp, address);
            BridgeProbes.awaitSockJsProbe(vertx, sockJs, address);
            // deliveries go on during the whole shutdown
            AtomicInteger n = new AtomicInteger();
            long flood = vertx.setPeriodic(1, t -> {
                for (int i = 0; i < 20; i++) {
                    vertx.eventBus().publish(address, new JsonObject().put("n", n.incrementAndGet()));
                }
            });

            // called here, on the test's thread, as the launcher's shutdown hook calls it
            GatewayNode.await(node.shutdownGracefully(), Duration.ofSeconds(30));
            vertx.cancelTimer(flood);

            RawStompClient.Received error = BridgeProbes.awaitStompRefusal(stomp, Duration.ofSeconds(30));
            assertThat(error.header("message")).isEqualTo(ErrorCodes.NODE_SHUTDOWN);
            JsonObject err = sockJs.awaitError(null, Duration.ofSeconds(30));
            assertThat(err.getString("body")).isEqualTo(ErrorCodes.NODE_SHUTDOWN);
            // source, sink and servers undeployed: only the node itself is left
            assertThat(vertx.deploymentIDs()).containsExactly(node.deploymentId());
            assertThat(n.get()).as("records were being delivered during the shutdown").isGreaterThan(0);
        } finally {
            GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
        }
    }

    @Test
    void aSubscriptionTheClusterCannotRecordIsRefusedWithACodeOverSockJsAndStomp(EmbeddedKafka kafka) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String address = "lifecycle.feed." + id;
        KafkaBroker.createTopics(kafka, java.util.List.of("lifecycle." + id), 1);
        Vertx vertx = ClusteredVertx.start("lifecycle-" + id);
        try {
            GatewayNode node = GatewayNode.deploy(vertx, config(kafka, id, address));
            RawSockJsClient sockJs = RawSockJsClient.connect(vertx, node.httpPort(), null);
            RawStompClient stomp = RawStompClient.connectTcp(vertx, node.stompPort());
            BridgeProbes.stompConnect(stomp, "0,0");
            // the cluster's member is gone: no registration can be recorded any more
            ClusteredVertx.clusterManager(vertx).getHazelcastInstance().getLifecycleService().terminate();

            sockJs.register(address);
            JsonObject err = sockJs.awaitError(address, Duration.ofSeconds(30));
            assertThat(err.getString("body")).isEqualTo(ErrorCodes.REGISTRATION_FAILED);
            assertThat(err.getInteger("failureCode")).isEqualTo(503);

            // the failed registration was not kept: this one is tried afresh, and refused in turn
            stomp.send("SUBSCRIBE", "id", "feed", "destination", address, "receipt", "r-feed");
            RawStompClient.Received error = BridgeProbes.awaitStompRefusal(stomp, Duration.ofSeconds(30));
            assertThat(error.header("message")).isEqualTo(ErrorCodes.REGISTRATION_FAILED);
            assertThat(error.header("receipt-id")).isEqualTo("r-feed");
            assertThat(error.header("destination")).isEqualTo(address);
        } finally {
            try {
                GatewayNode.await(vertx.close(), Duration.ofSeconds(30));
            } catch (IllegalStateException closedWithItsClusterGone) {
                // the member was terminated above; Vert.x may report that when leaving it
            }
        }
    }
}
