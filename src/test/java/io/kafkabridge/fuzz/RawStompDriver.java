package io.kafkabridge.fuzz;

import java.util.Random;

/**
 * {@link Kind#RAW_STOMP_TCP}: {@link RawGen#makeStompGarbage} on a fresh TCP connection to the STOMP port each, judged by
 * {@link StompOracle} as the first thing of a connection, read as {@link StompDriver#exchange} reads STOMP input.
 */
final class RawStompDriver implements FuzzDriver {

    @Override
    public Kind kind() {
        return Kind.RAW_STOMP_TCP;
    }

    @Override
    public void run(FuzzSession session, int worker, Stats stats) throws Exception {
        Pacing pacing = session.pacing();
        long kindSeed = FuzzSettings.computeKindSeed(Kind.RAW_STOMP_TCP);
        for (int index = worker; index < Kind.RAW_STOMP_TCP.inputs(); index += Kind.RAW_STOMP_TCP.workers) {
            pacing.takeSlot();
            stats.startInput();
            Random r = FuzzSettings.newInputRandom(kindSeed, index);
            RawGen.Input input = RawGen.makeStompGarbage(r);
            StompOracle.Judgement j = StompOracle.judge(input.bytes(), new StompOracle.State(), false);
            TcpWire wire = TcpWire.open(session.node().stompPort());
            if (wire == null) {
                stats.connectFailures.increment();
                pacing.giveSlotBack();
                continue;
            }
            stats.connections.increment();
            StringBuilder seen = new StringBuilder();
            Outcome outcome;
            try {
                outcome = StompDriver.exchange(pacing, wire, input.bytes(), r, j, worker, 0, seen);
            } finally {
                wire.close();
            }
            stats.record(index, input.category(), j.verdict, outcome, input.bytes(), seen.toString());
            session.feed().inputDone();
        }
    }
}
