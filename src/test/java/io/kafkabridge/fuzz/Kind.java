package io.kafkabridge.fuzz;

/**
 * The kinds of input; {@code (d)} raw TCP is one protocol whose inputs are shared by the STOMP port and the HTTP port.
 * New kinds go at the end: a kind's seed is its place in the sequence of {@link FuzzSettings#SEED}.
 */
enum Kind {
    SOCKJS_WS("(a) SockJS over WebSocket", 16, 2), STOMP_TCP("(b) STOMP over TCP", 64, 2), STOMP_WS("(c) STOMP over WebSocket", 64, 2),
    RAW_STOMP_TCP("(d) raw TCP", 48, 1), RAW_HTTP_TCP("(d) raw TCP", 8, 1), STOMP_SOCKJS("(e) STOMP over SockJS", 64, 2);

    final String protocol;
    final int workers;
    /** Halves of INPUTS_PER_KIND. */
    final int halves;

    Kind(String protocol, int workers, int halves) {
        this.protocol = protocol;
        this.workers = workers;
        this.halves = halves;
    }

    int inputs() {
        return (FuzzSettings.INPUTS_PER_KIND * halves + 1) / 2;
    }
}
