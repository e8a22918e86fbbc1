package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/** STOMP 1.2 over TCP: writes CONNECT, then hands every frame received to its handler. */
public final class StompTcpClient extends Connection implements StompSender {

    private final String connectFrame;
    /** Written by the thread that switches it ({@link #handleWith}), read on the event loop. */
    private volatile StompHandler handler;

    public StompTcpClient(NetSocket socket, String connectFrame, StompHandler handler) {
        super(socket);
        this.connectFrame = connectFrame;
        this.handler = handler;
    }

    /** A subscriber: its CONNECT, then {@link StompSubscriber}'s handling of frames. */
    public StompTcpClient(NetSocket socket, StompSubscriber subscriber) {
        this(socket, subscriber.connectFrame(), subscriber);
    }

    /** Hands the frames from now on to {@code next}. */
    public void handleWith(StompHandler next) {
        this.handler = next;
    }

    @Override
    public void send(String frame) {
        socket.write(frame);
    }

    public void send(Buffer frame) {
        socket.write(frame);
    }

    /** A STOMP heart-beat: an end of line. */
    @Override
    public void ping() {
        socket.write("\n");
    }

    @Override
    protected void open() {
        socket.write(connectFrame);
    }

    @Override
    protected int parse(Buffer buf, int from) {
        return StompFrames.split(buf, from, buf.length(), this, handler);
    }
}
