package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/** A plain WebSocket subscriber (the transport-ceiling peer): subscribed once upgraded, every message a record value. */
public final class PlainWsClient extends WebSocketClient {

    public PlainWsClient(NetSocket socket, WebSocketTarget target, SubscriberEvents events) {
        super(socket, target, null, events);
    }

    @Override
    protected void opened() {
        events.subscribed();
    }

    @Override
    protected void message(Buffer buf, int start, int end) {
        events.message(buf, start, end);
    }
}
