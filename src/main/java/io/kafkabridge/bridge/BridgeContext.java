package io.kafkabridge.bridge;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.config.LimitsOptions;
import io.kafkabridge.delivery.ReplayPacer;
import io.kafkabridge.metrics.TransportMetrics;
import io.kafkabridge.delivery.ReplaySource;
import io.kafkabridge.delivery.SlowClientStats;
import io.kafkabridge.delivery.WriteCoalescer;
import io.kafkabridge.kafka.KafkaSinkVerticle;
import io.kafkabridge.sink.SinkRoutes;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * What both bridges of a server verticle share.
 *
 * @param vertx         the Vert.x instance
 * @param authenticator credentials to identities (or anonymous mode)
 * @param rules         the permitted-address rules
 * @param limits        the per-connection and per-node limits
 * @param fanout        one event-bus consumer per address for all clients of the verticle
 * @param connections   the node-wide connection count
 * @param sinks         inbound addresses whose messages go to Kafka
 * @param sinkTimeoutMs how long a sender waits for Kafka's acknowledgement, at most
 * @param slowClients   what slow clients cost the node, counted
 * @param replays       reads what a subscription asks to replay ({@code since})
 * @param replayPacer   paces the replayed messages of this verticle's connections
 * @param metrics       the counts per transport
 * @param writes        coalesces the writes of this verticle's connections per turn of its event loop
 */
public record BridgeContext(Vertx vertx, Authenticator authenticator, PermissionRules rules, LimitsOptions limits,
                            AddressFanout fanout, ConnectionLimiter connections, SinkRoutes sinks, long sinkTimeoutMs,
                            SlowClientStats slowClients, ReplaySource replays, ReplayPacer replayPacer, TransportMetrics metrics,
                            WriteCoalescer writes) {

    /**
     * Hands a client message to the Kafka sink on this node.
     *
     * @return the broker's acknowledgement {@code {topic, partition, offset, timestamp}}, or a failure whose
     * {@link SinkFailure} says why
     */
    public Future<JsonObject> produce(SinkRoutes.Target target, Object body, MultiMap headers) {
        headers.remove(KafkaSinkVerticle.SINK_INDEX_HEADER);
        headers.remove(KafkaSinkVerticle.SINK_KEY_HEADER);
        headers.set(KafkaSinkVerticle.SINK_INDEX_HEADER, Integer.toString(target.index()));
        if (target.key() != null) {
            headers.set(KafkaSinkVerticle.SINK_KEY_HEADER, target.key());
        }
        DeliveryOptions options = new DeliveryOptions().setHeaders(headers).setLocalOnly(true).setSendTimeout(sinkTimeoutMs + 2000);
        return vertx.eventBus().<JsonObject>request(KafkaSinkVerticle.ADDRESS, body, options)
            .map(Message::body)
            .recover(e -> Future.failedFuture(SinkFailure.of(e)));
    }
}
