package io.kafkabridge.fuzz;

import io.kafkabridge.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/**
 * Protocol (c), {@link Kind#STOMP_WS}: the STOMP inputs of {@link StompGen} over WebSocket {@code /stomp} (subprotocol
 * {@code v12.stomp}) through a {@link WsWire}, an input sometimes split over several WebSocket messages. Every input
 * {@link StompOracle} judges bad gets an {@code ERROR} frame or a close, every valid one leaves the connection answering
 * its receipt; the node survives: see {@link FuzzSession#fuzzAndAssert} for the checks of health, the well-behaved
 * clients' records, new clients and the heap.
 */
@ExtendWith({KafkaBroker.class, SharedFuzzNode.class})
class StompWebSocketFuzzTest {

    @Test
    void nodeSurvivesStompOverWebSocketFuzzingAndRefusesEveryBadFrame(FuzzNode node) throws Exception {
        FuzzSession.fuzzAndAssert(node, new StompDriver(Kind.STOMP_WS,
            session -> WsWire.open(session.wsClient(), session.node().httpPort(), "/stomp", List.of("v12.stomp"))));
    }
}
