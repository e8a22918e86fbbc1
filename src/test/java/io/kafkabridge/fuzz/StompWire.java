package io.kafkabridge.fuzz;

import java.io.IOException;
import java.util.Random;

/**
 * A fuzzing client's connection to the node's STOMP server, whatever carries the frames: {@link TcpWire} (STOMP over
 * TCP), {@link WsWire} (STOMP over WebSocket), {@link SockJsStompWire} (STOMP over SockJS); another transport is one more
 * implementation, driven by {@link StompDriver} with the inputs of {@link StompGen} judged by {@link StompOracle}. Its
 * methods are called from one worker thread.
 */
interface StompWire extends AutoCloseable {
    /** What {@link #poll} returns once the connection is closed. */
    Object CLOSED = new Object();

    /** Sends the bytes in {@code splits} writes (messages); a transport with text and binary messages may prefer binary. */
    void send(byte[] data, int splits, boolean preferBinary) throws IOException;

    /**
     * Sends an input as {@link #send(byte[], int, boolean)}; a transport with framing choices of its own (SockJS: how
     * the input is cut into messages, and how those are batched) draws them from {@code r}, the input's Random, after
     * the driver's draws, so that an input is sent the same way on every run.
     */
    default void send(byte[] data, int splits, boolean preferBinary, Random r) throws IOException {
        send(data, splits, preferBinary);
    }

    /**
     * The octets the STOMP server receives when {@code data} is sent: {@code data} on a transport of bytes; a transport of
     * text changes octets that are not UTF-8 ({@link SockJsStompWire#carry}). The oracle judges these.
     */
    default byte[] carry(byte[] data) {
        return data;
    }

    /** The next server frame, {@link #CLOSED}, or null at the deadline. */
    Object poll(long deadlineNanos) throws InterruptedException;

    boolean isClosed();

    /** TCP: shut the output down when waiting for nothing would be pointless (the server sees the end). */
    void halfCloseIfUseful(boolean useful);

    @Override
    void close();
}
