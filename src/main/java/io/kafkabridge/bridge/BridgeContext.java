package io.kafkabridge.bridge;

import io.kafkabridge.auth.Authenticator;
import io.kafkabridge.config.LimitsOptions;
import io.vertx.core.Vertx;

/**
 * What both bridges of a server verticle share.
 *
 * @param vertx         the Vert.x instance
 * @param authenticator credentials to identities (or anonymous mode)
 * @param rules         the permitted-address rules
 * @param limits        the per-connection and per-node limits
 * @param fanout        one event-bus consumer per address for all clients of the verticle
 * @param connections   the node-wide connection count
 */
public record BridgeContext(Vertx vertx, Authenticator authenticator, PermissionRules rules, LimitsOptions limits,
                            AddressFanout fanout, ConnectionLimiter connections) {
}
