package io.kafkabridge.fuzz;

import io.kafkabridge.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Protocol (e), {@link Kind#STOMP_SOCKJS}: the STOMP inputs of {@link StompGen} over SockJS's WebSocket transport
 * ({@code /stomp/000/<session>/websocket}) through a {@link SockJsStompWire}, an input sometimes cut into several SockJS
 * messages, those sometimes batched into one WebSocket message. SockJS carries text: an input that is not UTF-8 is sent
 * and judged as the text a client can send ({@link SockJsStompWire#carry}). Every input {@link StompOracle} judges bad
 * gets an {@code ERROR} frame or a close, every valid one leaves the connection answering its receipt; the node survives:
 * see {@link FuzzSession#fuzzAndAssert} for the checks of health, the well-behaved clients' records, new clients and the
 * heap.
 */
@ExtendWith({KafkaBroker.class, SharedFuzzNode.class})
class StompSockJsFuzzTest {

    @Test
    void nodeSurvivesStompOverSockJsFuzzingAndRefusesEveryBadFrame(FuzzNode node) throws Exception {
        FuzzSession.fuzzAndAssert(node, new StompDriver(Kind.STOMP_SOCKJS,
            session -> SockJsStompWire.open(session.wsClient(), session.node().httpPort(), "/stomp")));
    }
}
