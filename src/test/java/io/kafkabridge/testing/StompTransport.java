package io.kafkabridge.testing;

import io.vertx.core.Vertx;

/**
 * The two ways to reach the STOMP bridge, for tests that check both.
 */
public enum StompTransport {
    TCP {
        @Override
        public RawStompConnection connect(Vertx vertx, GatewayNode node) {
            return RawStompConnection.connectTcp(vertx, node.stompPort());
        }
    },
    WEBSOCKET {
        @Override
        public RawStompConnection connect(Vertx vertx, GatewayNode node) {
            return RawStompConnection.connectWebSocket(vertx, node.httpPort());
        }
    };

    /**
     * Opens a raw connection (nothing sent yet).
     */
    public abstract RawStompConnection connect(Vertx vertx, GatewayNode node);
}
