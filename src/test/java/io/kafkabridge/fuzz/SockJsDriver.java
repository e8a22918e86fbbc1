package io.kafkabridge.fuzz;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.kafkabridge.fuzz.BridgeRules.ECHO;
import static io.kafkabridge.fuzz.FuzzDriver.closeQuietly;
import static io.kafkabridge.fuzz.FuzzSettings.MAX_INPUTS_PER_CONNECTION;

/**
 * {@link Kind#SOCKJS_WS}: {@link SockJsGen} frames over the raw WebSocket endpoint {@code /eventbus/websocket}, judged by
 * {@link SockJsOracle}; each followed by a {@code send} to {@link BridgeRules#ECHO} with a {@code replyAddress} (the
 * marker), whose {@code rec} closes the input's outcome.
 */
final class SockJsDriver implements FuzzDriver {

    @Override
    public Kind kind() {
        return Kind.SOCKJS_WS;
    }

    @Override
    public void run(FuzzSession session, int worker, Stats stats) throws Exception {
        Pacing pacing = session.pacing();
        long kindSeed = FuzzSettings.computeKindSeed(Kind.SOCKJS_WS);
        WsWire conn = null;
        SockJsOracle.State state = null;
        int onConnection = 0;
        long markerSeq = 0;
        for (int index = worker; index < Kind.SOCKJS_WS.inputs(); index += Kind.SOCKJS_WS.workers) {
            pacing.takeSlot();
            stats.startInput();
            if (conn == null || conn.closed || onConnection >= MAX_INPUTS_PER_CONNECTION) {
                closeQuietly(conn);
                conn = WsWire.open(session.wsClient(), session.node().httpPort(), "/eventbus/websocket", null);
                if (conn == null) {
                    stats.connectFailures.increment();
                    pacing.giveSlotBack();
                    continue;
                }
                stats.connections.increment();
                state = new SockJsOracle.State();
                onConnection = 0;
            }
            Random r = FuzzSettings.newInputRandom(kindSeed, index);
            SockJsGen.Input input = SockJsGen.generate(r);
            Verdict verdict = SockJsOracle.judge(input.bytes(), state);
            conn.drain();
            if (input.binary()) {
                conn.sendBinary(input.bytes());
            } else {
                conn.sendText(new String(input.bytes(), StandardCharsets.UTF_8));
            }
            StringBuilder seen = new StringBuilder();
            Outcome outcome = awaitMarker(pacing, conn, worker, markerSeq, verdict, seen);
            markerSeq += 2;
            stats.record(index, input.category(), verdict, outcome, input.bytes(), seen.toString());
            session.feed().inputDone();
            onConnection++;
            if (outcome == Outcome.CLOSE || outcome == Outcome.TIMEOUT) {
                closeQuietly(conn);
                conn = null;
            }
        }
        closeQuietly(conn);
    }

    /** Sends the marker(s) and reads the connection up to their answer: the input's outcome. */
    private static Outcome awaitMarker(Pacing pacing, WsWire conn, int worker, long seq, Verdict verdict, StringBuilder seen)
        throws InterruptedException {
        int markers = verdict.deferred() ? 2 : 1;
        boolean err = false;
        boolean replied = false;
        for (int m = 0; m < markers; m++) {
            String replyAddress = new UUID(worker, seq + m).toString(); // 36 characters, as vertx-eventbus.js ids
            conn.sendText("{\"type\":\"send\",\"address\":\"" + ECHO + "\",\"body\":\"marker\",\"replyAddress\":\"" + replyAddress + "\"}");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(verdict.timeoutMillis());
            while (true) {
                Object ev = pacing.pollPaced(conn::pollRaw, deadline);
                if (ev == null) {
                    return err ? Outcome.ERR : Outcome.TIMEOUT;
                }
                if (ev == WsWire.CLOSED) {
                    seen.append("[closed ").append(conn.describeClose()).append("] ");
                    return err ? Outcome.ERR : Outcome.CLOSE;
                }
                String text = ((Buffer) ev).toString(StandardCharsets.UTF_8);
                JsonObject frame;
                try {
                    frame = new JsonObject(text);
                } catch (RuntimeException e) {
                    seen.append("[unparseable frame] ");
                    continue;
                }
                if (replyAddress.equals(frame.getValue("address"))) {
                    if ("err".equals(frame.getValue("type"))) {
                        seen.append("[marker failed ").append(Texts.clip(text, 80)).append("] ");
                    }
                    break; // marker answered
                }
                if ("err".equals(frame.getValue("type"))) {
                    err = true;
                    seen.append(Texts.clip(text, 120)).append(' ');
                } else if (verdict.awaitedReply() != null && verdict.awaitedReply().equals(frame.getValue("address"))) {
                    replied = true;
                }
            }
        }
        if (!err && verdict.awaitedReply() != null && !replied) {
            seen.append("[no rec on the replyAddress]");
            return Outcome.NOREPLY;
        }
        return err ? Outcome.ERR : Outcome.OK;
    }
}
