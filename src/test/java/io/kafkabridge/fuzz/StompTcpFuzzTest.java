package io.kafkabridge.fuzz;

import io.kafkabridge.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Protocol (b), {@link Kind#STOMP_TCP}: STOMP frames over TCP ({@link StompGen} through a {@link TcpWire}). Every input
 * {@link StompOracle} judges bad gets an {@code ERROR} frame or a close, every valid one leaves the connection answering
 * its receipt; the node survives: see {@link FuzzSession#fuzzAndAssert} for the checks of health, the well-behaved
 * clients' records, new clients and the heap.
 */
@ExtendWith({KafkaBroker.class, SharedFuzzNode.class})
class StompTcpFuzzTest {

    @Test
    void nodeSurvivesStompOverTcpFuzzingAndRefusesEveryBadFrame(FuzzNode node) throws Exception {
        FuzzSession.fuzzAndAssert(node, new StompDriver(Kind.STOMP_TCP, session -> TcpWire.open(session.node().stompPort())));
    }
}
