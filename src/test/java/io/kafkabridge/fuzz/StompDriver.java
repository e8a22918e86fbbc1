package io.kafkabridge.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.FuzzDriver.closeQuietly;
import static io.kafkabridge.fuzz.FuzzSettings.MAX_INPUTS_PER_CONNECTION;

/**
 * STOMP over any {@link StompWire}: {@link StompGen} frames judged by {@link StompOracle}, CONNECT variants and frames
 * before CONNECT on fresh connections (8%), the rest after a valid CONNECT; an incomplete input is completed as the
 * oracle says; each input is followed by a {@code SEND} to {@link BridgeRules#ECHO} with a {@code receipt} (the marker),
 * whose {@code RECEIPT} closes the input's outcome.
 */
final class StompDriver implements FuzzDriver {

    private final Kind kind;
    private final Function<FuzzSession, StompWire> opener;

    /**
     * @param opener opens a fresh connection to the node (nothing sent yet), or returns null when it cannot
     */
    StompDriver(Kind kind, Function<FuzzSession, StompWire> opener) {
        this.kind = kind;
        this.opener = opener;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public void run(FuzzSession session, int worker, Stats stats) throws Exception {
        Pacing pacing = session.pacing();
        long kindSeed = FuzzSettings.computeKindSeed(kind);
        StompWire wire = null;
        StompOracle.State state = null;
        int onConnection = 0;
        long markerSeq = 0;
        for (int index = worker; index < kind.inputs(); index += kind.workers) {
            pacing.takeSlot();
            stats.startInput();
            Random r = FuzzSettings.newInputRandom(kindSeed, index);
            boolean opening = r.nextInt(100) < 8;
            if (opening || wire == null || wire.isClosed() || onConnection >= MAX_INPUTS_PER_CONNECTION) {
                closeQuietly(wire);
                wire = opener.apply(session);
                if (wire == null) {
                    stats.connectFailures.increment();
                    pacing.giveSlotBack();
                    continue;
                }
                stats.connections.increment();
                state = new StompOracle.State();
                onConnection = 0;
                if (!opening && !cleanConnect(pacing, wire, state)) {
                    stats.connectFailures.increment();
                    closeQuietly(wire);
                    wire = null;
                    pacing.giveSlotBack();
                    continue;
                }
            }
            StompGen.Input input = opening ? StompGen.generateOpening(r) : StompGen.generateConnected(r, state);
            // judged as the server will receive it: a transport of text carries octets that are not UTF-8 otherwise
            byte[] carried = wire.carry(input.bytes());
            StompOracle.Judgement j = StompOracle.judge(carried, state, true);
            byte[] payload = Texts.concat(carried, j.completer);
            StringBuilder seen = new StringBuilder();
            if (carried != input.bytes()) {
                seen.append("[input not UTF-8, sent as text: ").append(input.bytes().length).append(" octets carried as ")
                    .append(carried.length).append("] ");
            }
            Outcome outcome = exchange(pacing, wire, payload, r, j, worker, markerSeq, seen);
            markerSeq += 2;
            stats.record(index, input.category(), j.verdict, outcome, payload, seen.toString());
            session.feed().inputDone();
            onConnection++;
            if (outcome == Outcome.OK && j.verdict.expect() == Expect.ACCEPT && !j.endsConnection) {
                state = j.after;
            } else {
                closeQuietly(wire);
                wire = null;
            }
        }
        closeQuietly(wire);
    }

    /** Sends {@link StompGen#CLEAN_CONNECT} and waits for CONNECTED. */
    private static boolean cleanConnect(Pacing pacing, StompWire wire, StompOracle.State state) throws Exception {
        wire.send(StompGen.CLEAN_CONNECT, 1, false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Object ev = pacing.pollPaced(wire::poll, deadline);
            if (ev instanceof ServerFrame && "CONNECTED".equals(((ServerFrame) ev).command)) {
                state.connected = true;
                return true;
            }
            if (ev == null || ev == StompWire.CLOSED || ev instanceof ServerFrame && "ERROR".equals(((ServerFrame) ev).command)) {
                return false;
            }
        }
    }

    /**
     * Sends the input (sometimes in several writes), waits for CONNECTED if the input connects, then sends the marker(s)
     * and reads up to their receipts: the input's outcome. Also used for raw garbage on the STOMP port.
     */
    static Outcome exchange(Pacing pacing, StompWire wire, byte[] payload, Random r, StompOracle.Judgement j, int worker, long seq,
                            StringBuilder seen) throws InterruptedException {
        boolean preferBinary = r.nextInt(4) == 0;
        int splits = r.nextInt(10) == 0 ? 2 + r.nextInt(2) : 1;
        if (splits > 1) {
            seen.append("[input sent in ").append(splits).append(" writes] ");
        }
        try {
            wire.send(payload, splits, preferBinary, r);
        } catch (IOException e) {
            seen.append("[write failed: ").append(e.getMessage()).append("] ");
        }
        long timeout = j.verdict.timeoutMillis();
        boolean connected = j.before.connected;
        if (!connected) {
            if (!j.after.connected) {
                wire.halfCloseIfUseful(j.verdict.expect() == Expect.ANY);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            while (!connected) {
                Object ev = pacing.pollPaced(wire::poll, deadline);
                if (ev == null) {
                    return Outcome.TIMEOUT;
                }
                if (ev == StompWire.CLOSED) {
                    seen.append("[closed]");
                    return Outcome.CLOSE;
                }
                ServerFrame f = (ServerFrame) ev;
                seen.append(f.summarize()).append(' ');
                if ("ERROR".equals(f.command)) {
                    return Outcome.ERR;
                }
                if ("CONNECTED".equals(f.command)) {
                    connected = true;
                }
            }
        }
        int markers = j.verdict.deferred() ? 2 : 1;
        for (int m = 0; m < markers; m++) {
            String id = "mk-" + worker + "-" + (seq + m);
            try {
                wire.send(("SEND\ndestination:" + ECHO + "\nreceipt:" + id + "\n\n\0").getBytes(StandardCharsets.UTF_8), 1, false);
            } catch (IOException e) {
                seen.append("[marker write failed] ");
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            while (true) {
                Object ev = pacing.pollPaced(wire::poll, deadline);
                if (ev == null) {
                    return Outcome.TIMEOUT;
                }
                if (ev == StompWire.CLOSED) {
                    seen.append("[closed]");
                    return Outcome.CLOSE;
                }
                ServerFrame f = (ServerFrame) ev;
                if ("ERROR".equals(f.command)) {
                    seen.append(f.summarize()).append(' ');
                    return Outcome.ERR;
                }
                if ("RECEIPT".equals(f.command) && id.equals(f.headers.get("receipt-id"))) {
                    break;
                }
                if (!"MESSAGE".equals(f.command)) {
                    seen.append(f.summarize()).append(' ');
                }
            }
        }
        return Outcome.OK;
    }
}
