package io.kafkabridge.fuzz;

import io.kafkabridge.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Protocol (d), raw TCP ({@link RawGen}): garbage on a fresh connection each, half to the STOMP port
 * ({@link Kind#RAW_STOMP_TCP}, judged by {@link StompOracle}), half to the HTTP port ({@link Kind#RAW_HTTP_TCP}, garbage
 * and HTTP-ish requests with their verdicts), both kinds at once. Every bad input gets an error (STOMP {@code ERROR},
 * HTTP status >= 400) or a close; the node survives: see {@link FuzzSession#fuzzAndAssert} for the checks of health, the
 * well-behaved clients' records, new clients and the heap.
 */
@ExtendWith({KafkaBroker.class, SharedFuzzNode.class})
class RawTcpFuzzTest {

    @Test
    void nodeSurvivesRawTcpGarbageAndRefusesEveryBadInput(FuzzNode node) throws Exception {
        FuzzSession.fuzzAndAssert(node, new RawStompDriver(), new RawHttpDriver());
    }
}
