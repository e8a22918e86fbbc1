package io.kafkabridge.fuzz;

import java.util.LinkedHashMap;
import java.util.Map;

/** A frame the STOMP server sent, as {@link StompReader} parsed it. */
final class ServerFrame {
    String command;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = new byte[0];

    String summarize() {
        String message = headers.get("message");
        return command + (message == null ? "" : "(" + Texts.clip(message, 60) + ")");
    }
}
