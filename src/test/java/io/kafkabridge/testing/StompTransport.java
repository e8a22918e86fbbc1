package io.kafkabridge.testing;

import io.vertx.core.Vertx;

/**
 * The two ways to reach the STOMP bridge, for tests that check both.
 */
public enum StompTransport {
    TCP {
        @Override
        public RawStompClient connect(Vertx vertx, GatewayNode node) {
            return RawStompClient.connectTcp(vertx, node.stompPort());
        }
    },
    WEBSOCKET {
        @Override
        public RawStompClient connect(Vertx vertx, GatewayNode node) {
            return RawStompClient.connectWebSocket(vertx, node.httpPort());
        }
    };

    /**
     * Opens a raw connection (nothing sent yet).
     */
    public abstract RawStompClient connect(Vertx vertx, GatewayNode node);
}
