package io.kafkabridge.fuzz;

import io.kafkabridge.testing.GatewayNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import static io.kafkabridge.fuzz.FuzzSettings.TIMEOUT;

/** A SockJS bridge client on the raw WebSocket endpoint, pinging every 3 s as vertx-eventbus.js does. */
final class SockJsSubscriber extends Subscriber {

    private final Vertx vertx;
    private volatile WebSocket ws;
    private long pingTimer;

    private SockJsSubscriber(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * @param vertx the client's Vert.x instance, for its ping timer
     */
    static SockJsSubscriber open(Vertx vertx, WebSocketClient client, int port, String address) {
        SockJsSubscriber s = new SockJsSubscriber(vertx);
        s.ws = GatewayNode.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
            .setURI("/eventbus/websocket")).map(ws -> {
                ws.binaryMessageHandler(b -> s.handle(b.toString()));
                ws.textMessageHandler(s::handle);
                ws.closeHandler(v -> {
                    if (!s.closing) {
                        s.problems.add("WebSocket closed " + ws.closeStatusCode() + " " + ws.closeReason());
                    }
                });
                return ws;
            }), TIMEOUT);
        s.ws.writeTextMessage(new JsonObject().put("type", "ping").encode());
        s.ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address).encode());
        s.pingTimer = vertx.setPeriodic(3_000, id -> s.ws.writeTextMessage("{\"type\":\"ping\"}"));
        return s;
    }

    private void handle(String text) {
        JsonObject frame = new JsonObject(text);
        if ("err".equals(frame.getString("type"))) {
            problems.add("err frame " + text);
            return;
        }
        if (!"rec".equals(frame.getString("type"))) {
            return;
        }
        JsonObject headers = frame.getJsonObject("headers", new JsonObject());
        receive(headers.getString("kafka.topic"), headers.getString("kafka.partition"), headers.getString("kafka.offset"),
            frame.getValue("body"));
    }

    @Override
    String name() {
        return "SockJS client (raw WebSocket /eventbus/websocket)";
    }

    @Override
    public void close() {
        closing = true;
        vertx.cancelTimer(pingTimer);
        GatewayNode.await(ws.close(), TIMEOUT);
    }
}
