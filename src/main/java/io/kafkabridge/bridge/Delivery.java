package io.kafkabridge.bridge;

import io.kafkabridge.routing.PayloadFormat;
import io.kafkabridge.routing.RecordRouter;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * One event-bus message on its way to the clients of an address, with its wire forms computed at most once however
 * many clients receive it.
 */
public final class Delivery {

    private final String address;
    private final Message<Object> message;
    private Buffer sockJsFrame;
    private Buffer stompBody;
    private boolean stompBodyEncoded;

    Delivery(String address, Message<Object> message) {
        this.address = address;
        this.message = message;
    }

    public String address() {
        return address;
    }

    public Object body() {
        return message.body();
    }

    public MultiMap headers() {
        return message.headers();
    }

    /**
     * @return the SockJS bridge frame {@code {"type":"rec","address":..,"headers":{..},"body":..}}
     */
    public Buffer sockJsFrame() {
        if (sockJsFrame == null) {
            JsonObject headers = new JsonObject();
            for (Map.Entry<String, String> header : message.headers()) {
                headers.put(header.getKey(), header.getValue());
            }
            JsonObject frame = new JsonObject().put("type", "rec").put("address", address).put("headers", headers)
                .put("body", message.body());
            if (message.replyAddress() != null) {
                frame.put("replyAddress", message.replyAddress());
            }
            sockJsFrame = frame.toBuffer();
        }
        return sockJsFrame;
    }

    /**
     * @return the STOMP MESSAGE body: JSON text for {@code json} messages (and any non-text body), the text itself for
     * {@code string}/{@code base64}; {@code null} for a null body
     */
    public Buffer stompBody() {
        if (!stompBodyEncoded) {
            stompBody = encodeStompBody(message.body(), message.headers().get(RecordRouter.HEADER_FORMAT));
            stompBodyEncoded = true;
        }
        return stompBody;
    }

    static Buffer encodeStompBody(Object body, String format) {
        if (body == null) {
            return null;
        }
        if (body instanceof Buffer) {
            return (Buffer) body;
        }
        if (body instanceof String && !PayloadFormat.JSON.configName().equals(format)) {
            return Buffer.buffer((String) body);
        }
        return Json.encodeToBuffer(body);
    }
}
