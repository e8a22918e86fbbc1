package io.kafkabridge.fuzz;

/**
 * What the connection showed before the input's marker was answered. NOREPLY: no error, no close, marker answered, but
 * the reply the input asked for (SockJS replyAddress) never came.
 */
enum Outcome { ERR, CLOSE, OK, NOREPLY, TIMEOUT }
