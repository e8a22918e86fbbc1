package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/** A STOMP subscriber over WebSocket (subprotocol {@code v12.stomp}): one STOMP frame per text message. */
public final class StompWsClient extends WebSocketClient implements StompSender {

    private final StompSubscriber subscriber;

    public StompWsClient(NetSocket socket, WebSocketTarget target, StompSubscriber subscriber) {
        super(socket, target, "v12.stomp, v11.stomp, v10.stomp", subscriber.events());
        this.subscriber = subscriber;
    }

    @Override
    protected void opened() {
        send(subscriber.connectFrame());
    }

    @Override
    protected void message(Buffer buf, int start, int end) {
        int rest = StompFrames.split(buf, start, end, this, subscriber);
        if (rest < end) { // a server that frames by WebSocket message may leave out the trailing NUL
            subscriber.frame(this, buf, rest, end);
        }
    }
}
