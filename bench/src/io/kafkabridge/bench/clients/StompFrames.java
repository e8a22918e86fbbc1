package io.kafkabridge.bench.clients;

import io.vertx.core.buffer.Buffer;

/** STOMP 1.2 frames: writing the ones the generators send, and finding where each received frame ends. */
public final class StompFrames {

    private StompFrames() {
    }

    /** A frame without a body: the command, then the headers as name, value pairs. */
    public static String frame(String command, String... headerPairs) {
        StringBuilder frame = new StringBuilder(command).append('\n');
        for (int i = 0; i < headerPairs.length; i += 2) {
            frame.append(headerPairs[i]).append(':').append(headerPairs[i + 1]).append('\n');
        }
        return frame.append("\n\0").toString();
    }

    /** CONNECT without heart-beats ({@code 0,0}: the connections stay silent); login and passcode when not null. */
    public static String connect(String host, String login, String passcode) {
        return "CONNECT\naccept-version:1.2\nhost:" + host + "\nheart-beat:0,0\n"
            + (login != null ? "login:" + login + "\n" : "") + (passcode != null ? "passcode:" + passcode + "\n" : "")
            + "\n\0";
    }

    /** SUBSCRIBE with {@code ack:auto}, and a receipt when {@code receipt} is not null. */
    public static String subscribe(String id, String destination, String receipt) {
        return "SUBSCRIBE\nid:" + id + "\ndestination:" + destination + "\nack:auto\n"
            + (receipt != null ? "receipt:" + receipt + "\n" : "") + "\n\0";
    }

    /** SEND of a JSON body with its content-length, and a receipt when {@code receipt} is not null. */
    public static Buffer send(String destination, String receipt, byte[] body) {
        String head = "SEND\ndestination:" + destination + "\n" + (receipt != null ? "receipt:" + receipt + "\n" : "")
            + "content-type:application/json\ncontent-length:" + body.length + "\n\n";
        return Buffer.buffer(head.length() + body.length + 1).appendString(head).appendBytes(body).appendByte((byte) 0);
    }

    /**
     * Hands each complete frame in [from, to) of buf to the handler, skipping the line ends between frames (heart-beats);
     * returns where an incomplete frame begins ({@code to} when there is none).
     */
    public static int split(Buffer buf, int from, int to, StompSender connection, StompHandler handler) {
        int at = from;
        while (at < to) {
            byte first = buf.getByte(at);
            if (first == '\n' || first == '\r') {
                at++;
                continue;
            }
            int nul = indexOfNul(buf, at, to);
            if (nul < 0) {
                return at;
            }
            handler.frame(connection, buf, at, nul);
            at = nul + 1;
        }
        return at;
    }

    private static int indexOfNul(Buffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.getByte(i) == 0) {
                return i;
            }
        }
        return -1;
    }
}
