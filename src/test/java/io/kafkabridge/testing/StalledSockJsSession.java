package io.kafkabridge.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A SockJS session on one of SockJS's HTTP transports that registers for an address and then takes nothing more: on
 * {@code xhr_streaming} and {@code eventsource} it stops reading its streaming response (a small receive buffer, the
 * response paused: the server's writes back up for real); on {@code xhr} (polling) it never polls again, so the
 * server holds what it sends until the session ends.
 */
public final class StalledSockJsSession implements AutoCloseable {

    /** The SockJS HTTP transports, by the path segment that selects them. */
    public enum Transport {
        XHR_STREAMING("xhr_streaming", HttpMethod.POST),
        EVENTSOURCE("eventsource", HttpMethod.GET),
        XHR_POLLING("xhr", HttpMethod.POST);

        private final String path;
        private final HttpMethod method;

        Transport(String path, HttpMethod method) {
            this.path = path;
            this.method = method;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;

    private StalledSockJsSession(HttpClient http) {
        this.http = http;
    }

    /**
     * Opens a session on {@code transport} of the bridge at {@code /eventbus}, registers for {@code address} and stalls.
     */
    public static StalledSockJsSession open(Vertx vertx, int httpPort, Transport transport, String address) {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setReceiveBufferSize(4096).setDefaultPort(httpPort)
            .setDefaultHost("127.0.0.1"));
        StalledSockJsSession session = new StalledSockJsSession(http);
        String path = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "");
        RequestOptions open = new RequestOptions().setMethod(transport.method).setURI(path + "/" + transport.path);
        if (transport == Transport.XHR_POLLING) {
            // the server closes a poll's connection once it answered: not one for the client to reuse
            open.putHeader(HttpHeaders.CONNECTION, "close");
        }
        HttpClientResponse opened = GatewayNode.await(http.request(open).compose(request -> request.send()), TIMEOUT);
        assertThat(opened.statusCode()).as("%s session opened", transport).isEqualTo(200);
        // a streaming response is no longer read; the poll (answered with the open frame, then its connection closed
        // by the server) is not repeated
        opened.pause();
        String register = new JsonArray().add(new JsonObject().put("type", "register").put("address", address).encode()).encode();
        int sent = GatewayNode.await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path + "/xhr_send"))
            .compose(request -> request.send(Buffer.buffer(register))).map(HttpClientResponse::statusCode), TIMEOUT);
        assertThat(sent).as("register sent over xhr_send").isEqualTo(204);
        return session;
    }

    @Override
    public void close() {
        GatewayNode.await(http.close(), TIMEOUT);
    }
}
