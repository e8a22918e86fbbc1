package io.kafkabridge.fuzz;

import io.kafkabridge.testing.GatewayNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.fuzz.FuzzSettings.TIMEOUT;

/** A STOMP client over WebSocket speaking raw frames (used to prove that new clients still work after the run). */
final class StompWsSubscriber extends Subscriber {

    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final StompReader reader = new StompReader();
    private volatile WebSocket ws;

    static StompWsSubscriber open(WebSocketClient client, int port, String destination) throws Exception {
        StompWsSubscriber s = new StompWsSubscriber();
        s.ws = GatewayNode.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
            .setURI("/stomp").setSubProtocols(List.of("v12.stomp"))).map(ws -> {
                ws.handler(s::handle);
                ws.closeHandler(v -> {
                    if (!s.closing) {
                        s.problems.add("WebSocket closed");
                    }
                });
                return ws;
            }), TIMEOUT);
        s.ws.writeTextMessage(new String(StompGen.CLEAN_CONNECT, StandardCharsets.UTF_8));
        s.connected.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        s.ws.writeTextMessage("SUBSCRIBE\nid:new-1\ndestination:" + destination + "\n\n\0");
        return s;
    }

    private synchronized void handle(Buffer data) {
        reader.feed(data.getBytes());
        for (ServerFrame f = reader.next(); f != null; f = reader.next()) {
            switch (f.command) {
                case "CONNECTED":
                    connected.complete(null);
                    break;
                case "ERROR":
                    problems.add("ERROR " + f.headers);
                    break;
                case "MESSAGE":
                    receive(f.headers.get("kafka.topic"), f.headers.get("kafka.partition"), f.headers.get("kafka.offset"),
                        new String(f.body, StandardCharsets.UTF_8));
                    break;
                default:
                    break;
            }
        }
    }

    @Override
    String name() {
        return "new STOMP-over-WebSocket client";
    }

    @Override
    public void close() {
        closing = true;
        GatewayNode.await(ws.close(), TIMEOUT);
    }
}
