package io.kafkabridge.fuzz;

import io.kafkabridge.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Protocol (a), {@link Kind#SOCKJS_WS}: SockJS bridge frames over {@code /eventbus/websocket} ({@link SockJsGen}). Every
 * frame {@link SockJsOracle} judges bad gets an {@code err} frame or a close, every valid one leaves the connection
 * answering (and gets the reply it asked for); the node survives: see {@link FuzzSession#fuzzAndAssert} for the checks
 * of health, the well-behaved clients' records, new clients and the heap.
 */
@ExtendWith({KafkaBroker.class, SharedFuzzNode.class})
class SockJsFuzzTest {

    @Test
    void nodeSurvivesSockJsFuzzingAndRefusesEveryBadFrame(FuzzNode node) throws Exception {
        FuzzSession.fuzzAndAssert(node, new SockJsDriver());
    }
}
