package io.kafkabridge.fuzz;

import io.kafkabridge.testing.GatewayNode;
import io.vertx.ext.stomp.StompClient;
import io.vertx.ext.stomp.StompClientConnection;

import static io.kafkabridge.fuzz.FuzzSettings.TIMEOUT;

/** Vert.x's STOMP client over TCP. */
final class StompTcpSubscriber extends Subscriber {

    private final StompClientConnection connection;

    private StompTcpSubscriber(StompClientConnection connection) {
        this.connection = connection;
    }

    static StompTcpSubscriber open(StompClient client, int port, String destination) {
        StompClientConnection c = GatewayNode.await(client.connect(port, "127.0.0.1"), TIMEOUT);
        StompTcpSubscriber s = new StompTcpSubscriber(c);
        c.errorHandler(f -> s.problems.add("ERROR frame " + f.getHeaders() + " " + f.getBodyAsString()));
        c.closeHandler(x -> {
            if (!s.closing) {
                s.problems.add("connection closed");
            }
        });
        GatewayNode.await(c.subscribe(destination, frame -> s.receive(frame.getHeader("kafka.topic"), frame.getHeader("kafka.partition"),
            frame.getHeader("kafka.offset"), frame.getBodyAsString())), TIMEOUT);
        return s;
    }

    @Override
    String name() {
        return "STOMP-over-TCP client (Vert.x StompClient)";
    }

    @Override
    public void close() {
        closing = true;
        connection.close();
    }
}
