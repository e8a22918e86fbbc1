package io.kafkabridge.fuzz;

import java.io.IOException;

/**
 * A fuzzing client's connection to the node's STOMP server, whatever carries the frames: {@link TcpWire} (STOMP over
 * TCP), {@link WsWire} (STOMP over WebSocket); another transport is one more implementation, driven by {@link StompDriver}
 * with the inputs of {@link StompGen} judged by {@link StompOracle}. Its methods are called from one worker thread.
 */
interface StompWire extends AutoCloseable {
    /** What {@link #poll} returns once the connection is closed. */
    Object CLOSED = new Object();

    /** Sends the bytes in {@code splits} writes (messages); a transport with text and binary messages may prefer binary. */
    void send(byte[] data, int splits, boolean preferBinary) throws IOException;

    /** The next server frame, {@link #CLOSED}, or null at the deadline. */
    Object poll(long deadlineNanos) throws InterruptedException;

    boolean isClosed();

    /** TCP: shut the output down when waiting for nothing would be pointless (the server sees the end). */
    void halfCloseIfUseful(boolean useful);

    @Override
    void close();
}
