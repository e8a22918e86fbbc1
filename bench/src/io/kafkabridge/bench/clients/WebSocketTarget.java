package io.kafkabridge.bench.clients;

/**
 * Where a WebSocket client connects: the {@code Host} header's host and port, the request path (with its query), and
 * whether it offers {@code permessage-deflate} as browsers do on every WebSocket.
 */
public record WebSocketTarget(String host, int port, String path, boolean offerDeflate) {
}
