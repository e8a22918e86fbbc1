package io.kafkabridge.bench.clients;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a gateway node's {@code /health} document (200 or 503 alike). */
public final class HealthClient {

    private final HttpClient http;
    private final HttpRequest request;

    /** @param timeout for connecting and for the answer; null waits as long as the node takes (a busy node answers late) */
    public HealthClient(String host, int port, Duration timeout) {
        HttpClient.Builder builder = HttpClient.newBuilder();
        HttpRequest.Builder requestBuilder = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/health"));
        if (timeout != null) {
            builder.connectTimeout(timeout);
            requestBuilder.timeout(timeout);
        }
        this.http = builder.build();
        this.request = requestBuilder.build();
    }

    public URI uri() {
        return request.uri();
    }

    public JsonObject read() throws IOException, InterruptedException {
        return new JsonObject(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
