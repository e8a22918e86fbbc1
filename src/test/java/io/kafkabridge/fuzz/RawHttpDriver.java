package io.kafkabridge.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Kind#RAW_HTTP_TCP}: {@link RawGen#makeHttp} input (garbage and HTTP-ish requests, with their verdicts) on a fresh
 * TCP connection to the HTTP port each; the outcome is the status of the response's first line, or the close.
 */
final class RawHttpDriver implements FuzzDriver {

    private static final Pattern STATUS_LINE = Pattern.compile("^\\S+ ([0-9]{3})");

    @Override
    public Kind kind() {
        return Kind.RAW_HTTP_TCP;
    }

    @Override
    public void run(FuzzSession session, int worker, Stats stats) throws Exception {
        Pacing pacing = session.pacing();
        long kindSeed = FuzzSettings.computeKindSeed(Kind.RAW_HTTP_TCP);
        for (int index = worker; index < Kind.RAW_HTTP_TCP.inputs(); index += Kind.RAW_HTTP_TCP.workers) {
            pacing.takeSlot();
            stats.startInput();
            Random r = FuzzSettings.newInputRandom(kindSeed, index);
            RawGen.HttpInput input = RawGen.makeHttp(r);
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", session.node().httpPort()), 10_000);
            } catch (IOException e) {
                stats.connectFailures.increment();
                socket.close();
                pacing.giveSlotBack();
                continue;
            }
            stats.connections.increment();
            StringBuilder seen = new StringBuilder();
            Outcome outcome;
            try {
                outcome = exchange(pacing, socket, input, seen);
            } finally {
                socket.close();
            }
            stats.record(index, input.category(), input.verdict(), outcome, input.bytes(), seen.toString());
            session.feed().inputDone();
        }
    }

    private static Outcome exchange(Pacing pacing, Socket socket, RawGen.HttpInput input, StringBuilder seen) throws IOException {
        OutputStream out = socket.getOutputStream();
        try {
            out.write(input.bytes());
            out.flush();
            if (input.halfClose()) {
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            seen.append("[write failed: ").append(e.getMessage()).append("] ");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(input.verdict().timeoutMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (true) {
            if (System.nanoTime() >= deadline) {
                return Outcome.TIMEOUT;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(pacing.paceDeadline(deadline) - System.nanoTime());
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() >= pacing.paceDeadline(deadline)) {
                    pacing.giveSlotBack();
                }
                continue;
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                seen.append(text.isEmpty() ? "[closed]" : Texts.clip(text, 60) + " [closed]");
                return text.isEmpty() ? Outcome.CLOSE : judgeStatus(text);
            }
            head.write(buf, 0, n);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int eol = text.indexOf("\r\n");
            if (eol >= 0 || head.size() > 64) {
                seen.append(Texts.clip(eol >= 0 ? text.substring(0, eol) : text, 80));
                return judgeStatus(text);
            }
        }
    }

    /** The status of the first response line ("VERSION STATUS REASON", whatever the version token is). */
    private static Outcome judgeStatus(String text) {
        Matcher m = STATUS_LINE.matcher(text);
        if (!m.find()) {
            return Outcome.OK; // not a status line: counted as a (strange) reply
        }
        return Integer.parseInt(m.group(1)) >= 400 ? Outcome.ERR : Outcome.OK;
    }
}
