package io.kafkabridge.bench.clients;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.List;

/**
 * The gateway's SockJS event-bus bridge on its raw WebSocket endpoint: {@code register} for each address once
 * upgraded (the bridge does not answer a register: subscribed once sent), then one JSON text message per event-bus
 * message, {@code {"type":"rec",...}} or {@code {"type":"err",...}}.
 */
public final class SockJsClient extends WebSocketClient {

    /** The bridge closes silent connections: a keep-alive ping this often. */
    private static final long PING_EVERY_MS = 20_000;

    private final List<String> addresses;

    /** @param target where, with {@link #websocketPath} as its path */
    public SockJsClient(NetSocket socket, WebSocketTarget target, List<String> addresses, SubscriberEvents events) {
        super(socket, target, null, events);
        this.addresses = addresses;
    }

    /** The raw WebSocket endpoint of the bridge at {@code prefix}, with the token as {@code access_token} when not null. */
    public static String websocketPath(String prefix, String token) {
        return prefix + "/websocket" + (token != null ? "?access_token=" + token : "");
    }

    /**
     * Sends the bridge's {@code ping} every 20 s, the first after 1 s plus {@code index / count} of the period, so
     * that {@code count} clients spread their pings evenly.
     *
     * @return the timer's id
     */
    public long keepAlive(Vertx vertx, int index, int count) {
        long first = 1000 + index * PING_EVERY_MS / Math.max(1, count);
        return vertx.setPeriodic(first, PING_EVERY_MS, t -> send("{\"type\":\"ping\"}"));
    }

    @Override
    protected void opened() {
        // the node authenticates a token asynchronously and queues these meanwhile; a refusal is an err message
        for (String address : addresses) {
            send("{\"type\":\"register\",\"address\":\"" + address + "\"}");
        }
        events.subscribed();
    }

    @Override
    protected void message(Buffer buf, int start, int end) {
        if (end - start > 10 && buf.getByte(start + 9) == 'r') { // {"type":"rec"
            events.message(buf, start, end);
        } else {
            events.error("SockJS frame: " + buf.getString(start, end));
        }
    }
}
