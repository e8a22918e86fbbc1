import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Load generator of the fan-out benchmark: N subscribers of one destination on a server under test, and a feed that
 * produces records at a paced rate, all in this JVM. Every record's value ends in {@code "sentNs":<System.nanoTime()>}
 * taken just before it is handed to the feed, so receive time minus that value is the end-to-end latency on one clock.
 * The clients are hand-written over Vert.x NetSockets (STOMP frames split on NUL; HTTP upgrade and RFC 6455 framing
 * with masked client frames), so the generator's one core goes further than with general-purpose clients.
 * <p>
 * Targets ({@code -Dtarget}): {@code stomp-tcp} (STOMP 1.2 over TCP), {@code stomp-ws} (STOMP over WebSocket, text
 * frames, subprotocol v12.stomp: the gateway's /stomp, RabbitMQ Web-STOMP, Spring), {@code sockjs} (the gateway's SockJS
 * bridge, raw WebSocket endpoint), {@code ws} (the plain WebSocket ceiling server: every message is a record value).
 * Feeds ({@code -Dfeed}): {@code kafka} (KafkaProducer, acks=1, linger 1 ms, partition 0 of {@code -Dtopic}) or
 * {@code stomp} (SEND frames over one STOMP TCP connection to {@code -DfeedPort}: RabbitMQ, which does not read Kafka).
 * <p>
 * Modes: {@code -Dknee=true} (default) searches the knee with the connections kept: after a discarded warm-up of
 * {@code initialWarmup} s (10) at half the start rate, steps of {@code stepWarmup} +
 * {@code stepSeconds} at a record rate that doubles from {@code startRate} while the step passes, then bisects
 * {@code bisect} times between the last pass and the first failure. A step fails when messages delivered in its window
 * are under 99% of those offered, when p99 latency exceeds {@code maxP99Ms} (100), or when a client was disconnected.
 * Between steps the generator waits until the backlog drained. Then it runs {@code latencySeconds} at
 * {@code latencyFraction} (0.5) of the knee for p50/p99/p99.9 and the server's CPU per delivered message.
 * {@code -Dknee=false} runs one step at {@code -Drate}.
 * <p>
 * Prints one JSON line per step on stderr and one summary JSON line on stdout. The server's CPU comes from
 * /proc/{@code -Dpid}/stat (utime+stime), by thread group from /proc/PID/task/*.
 * <p>
 * {@code java -cp target/kafka-eventbus-bridge.jar -Dtarget=stomp-tcp -Dport=P -Dsubscribers=1000 -Dfeed=kafka
 * -Dbootstrap=H:P -Dtopic=bench.fanout -Ddestination=bench.fanout -Dpid=PID bench/FanoutBench.java}
 * <p>
 * Other properties: {@code host} (127.0.0.1), {@code path} (WebSocket path: /eventbus for sockjs, /stomp, /ws),
 * {@code login}, {@code passcode}, {@code stompHost} (/), {@code feedDestination}, {@code payload} (100 bytes),
 * {@code maxRate} (records/s cap), {@code maxOffered} (messages/s cap, 2,000,000), {@code clkTck} (100),
 * {@code connectParallelism} (200), {@code grace} (s to wait for the backlog after a step, 60), {@code deflate}
 * (false; true: WebSocket clients offer permessage-deflate like browsers and inflate what the server compressed).
 * <p>
 * Stalled subscribers ({@code -Dstalled=N}, 0 by default): N more clients of the same target and destination, spread
 * among the others, opened with a small receive buffer ({@code stalledReceiveBuffer}, 4096 bytes), subscribed and
 * probed like the others; on their first message they stop reading ({@code NetSocket.pause()}). They are not counted
 * in delivered messages or latency, and their disconnects do not fail a step: they are counted apart
 * ({@code stalledDisconnects}). A stalled client that is cut reconnects, subscribes again and stalls again
 * ({@code stalledReconnects}) after {@code stalledReconnectMs} (2,000: the demo dashboard's STOMP client waits as long,
 * the event-bus client backs off from 1 s to 5 s; {@code -DstalledReconnect=false} turns reconnects off). A paused client
 * reads nothing, so it
 * would not notice the server closing it: every second it writes a STOMP EOL heart-beat (TCP) or a WebSocket ping,
 * and a write to a connection the server closed fails. {@code -DfillTopic} / {@code -DfillDestination}: the stalled
 * clients also subscribe to that address, and {@code stalledFill} records (256) of {@code stalledFillBytes} (8192) are
 * produced to that topic once they all stalled (then 3 s to settle): their queues are full from the start without
 * sending those bytes to the well-behaved clients. 2 MiB: more than the server's kernel send buffer
 * ({@code limits.socketSendBufferBytes}, 256 KiB, which Linux doubles), the gateway's 64 KiB transport window and its
 * 1 MiB queue take. A client that reconnects stalls on the live records of its address like any subscriber that stops
 * reading; {@code -DstalledRefill=true} fills every stalled client again whenever one stalled anew (each reconnect then
 * sends the fill to every stalled client still connected: a storm of the bench's making, not a stalled client's cost).
 * <p>
 * {@code -DrssSampleMs=100} (with {@code -Dknee=false}): samples the server's VmRSS from /proc/PID/status during the
 * step and its drain; {@code -DhealthPort=P} also polls the server's /health every second (source and slowClients).
 * The summary then also accounts for every record per well-behaved client after the drain ({@code accounting}).
 */
public class FanoutBench {

    /** Held for the whole run: Vert.x 5 closes a NetClient, and all its connections, once it is garbage-collected. */
    static NetClient net;
    static NetClient feedClient;

    static final int MAX_SAMPLES = 1 << 20;
    static final byte[] SENT_KEY = "\"sentNs\":".getBytes(StandardCharsets.US_ASCII);

    // the step's measurement window, in System.nanoTime() units; records with sentNs <= 0 are probes
    static volatile long windowStart = Long.MAX_VALUE;
    static volatile long windowEnd = Long.MAX_VALUE;
    static volatile int sampleStride = 1;

    static final LongAdder arrivalsInWindow = new LongAdder();
    static final LongAdder receivedTotal = new LongAdder();
    static final LongAdder unparsed = new LongAdder();
    static final AtomicLong errors = new AtomicLong();
    static final AtomicLong disconnects = new AtomicLong();
    static final AtomicInteger probed = new AtomicInteger();
    static final AtomicInteger subscribed = new AtomicInteger();
    // stalled subscribers (-Dstalled): counted apart from the others
    static final AtomicInteger stalledSubscribed = new AtomicInteger();
    static final AtomicInteger stalledProbed = new AtomicInteger();
    /** Stalled clients that stopped reading (initial and after reconnects): a refill is due when it grew. */
    static final AtomicLong stalledPaused = new AtomicLong();
    static final AtomicLong stalledDisconnects = new AtomicLong();
    static final AtomicLong stalledReconnects = new AtomicLong();
    static final AtomicLong stalledFills = new AtomicLong();
    static final String FILL_DESTINATION = System.getProperty("fillDestination");
    /** The well-behaved clients, for the accounting. */
    static final ConcurrentLinkedQueue<Client> clients = new ConcurrentLinkedQueue<>();
    static final long[] samples = new long[MAX_SAMPLES];
    static final AtomicInteger sampleCount = new AtomicInteger();
    static final AtomicLong maxLatency = new AtomicLong();
    static volatile boolean stopping;

    static String prop(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    static void error(String what) {
        if (errors.incrementAndGet() <= 5) {
            System.err.println(what);
        }
    }

    /** A subscriber on a plain TCP socket. State confined to the connection's event loop. */
    abstract static class Client {
        final NetSocket socket;
        final int id;
        boolean gotProbe;
        long seen;
        /** Records (not probes) received: the accounting after a run. */
        long records;
        /** A stalled client: stops reading on its first message, not counted. */
        boolean stalled;
        /** A stalled client that reconnected: not counted in the initial probe. */
        boolean reconnected;
        boolean done;
        Semaphore inFlight;
        /** Unparsed bytes of an incomplete frame, or null. */
        Buffer pending;

        Client(NetSocket socket, int id) {
            this.socket = socket;
            this.id = id;
        }

        abstract void start();

        /** Parses complete frames from {@code buf} starting at {@code from}; returns where the incomplete rest begins. */
        abstract int parse(Buffer buf, int from);

        final void handle(Buffer data) {
            Buffer buf = data;
            if (pending != null) {
                buf = pending.appendBuffer(data);
                pending = null;
            }
            int rest = parse(buf, 0);
            if (rest < buf.length()) {
                pending = buf.getBuffer(rest, buf.length());
            }
        }

        /** The subscription is confirmed (a receipt, or sent where there is none). */
        final void subscribedOk() {
            if (!stalled) {
                subscribed.incrementAndGet();
            } else if (!reconnected) {
                stalledSubscribed.incrementAndGet();
            }
            subscribedOrFailed();
        }

        /** Once per connection: lets the next connection start. */
        final void subscribedOrFailed() {
            if (!done) {
                done = true;
                inFlight.release();
            }
        }
    }

    /** What a STOMP client says and how it reads frames, over TCP or inside WebSocket messages. */
    static final class Stomp {
        static String connectFrame() {
            String login = System.getProperty("login");
            String passcode = System.getProperty("passcode");
            return "CONNECT\naccept-version:1.2\nhost:" + prop("stompHost", "/") + "\nheart-beat:0,0\n"
                + (login != null ? "login:" + login + "\n" : "") + (passcode != null ? "passcode:" + passcode + "\n" : "") + "\n\0";
        }

        /** Spring's simple broker never answers a SUBSCRIBE receipt: {@code -DsubscribeReceipt=false} for it. */
        static final boolean RECEIPTS = Boolean.parseBoolean(prop("subscribeReceipt", "true"));

        static String subscribeFrame(int id, String destination) {
            return "SUBSCRIBE\nid:s" + id + "\ndestination:" + destination + "\nack:auto\n"
                + (RECEIPTS ? "receipt:sub-" + id + "\n" : "") + "\n\0";
        }

        /** Handles the STOMP frames in [from, to); returns where an incomplete frame begins. */
        static int parse(Client client, Buffer buf, int from, int to, java.util.function.Consumer<String> write, String destination) {
            int at = from;
            while (at < to) {
                byte first = buf.getByte(at);
                if (first == '\n' || first == '\r') { // heart-beat / end of line between frames
                    at++;
                    continue;
                }
                int nul = -1;
                for (int i = at; i < to; i++) {
                    if (buf.getByte(i) == 0) {
                        nul = i;
                        break;
                    }
                }
                if (nul < 0) {
                    return at;
                }
                if (first == 'M') {
                    received(client, buf, at, nul);
                } else if (first == 'C') {
                    if (client.stalled && FILL_DESTINATION != null) { // before the receipted one: its receipt covers both
                        write.accept("SUBSCRIBE\nid:f" + client.id + "\ndestination:" + FILL_DESTINATION + "\nack:auto\n\n\0");
                    }
                    write.accept(subscribeFrame(client.id, destination));
                    if (!RECEIPTS) { // the probes prove the subscription
                        client.subscribedOk();
                    }
                } else if (first == 'R') {
                    client.subscribedOk();
                } else if (first == 'E') {
                    error("ERROR frame: " + buf.getString(at, nul).replace('\n', ' '));
                }
                at = nul + 1;
            }
            return at;
        }
    }

    /** STOMP 1.2 over TCP. */
    static final class StompTcpClient extends Client {
        final String destination;

        StompTcpClient(NetSocket socket, int id, String destination) {
            super(socket, id);
            this.destination = destination;
        }

        @Override
        void start() {
            socket.write(Stomp.connectFrame());
        }

        @Override
        int parse(Buffer buf, int from) {
            return Stomp.parse(this, buf, from, buf.length(), socket::write, destination);
        }
    }

    /**
     * {@code -Ddeflate=true}: offer {@code permessage-deflate} in the upgrade, as browsers do on every WebSocket, and
     * inflate the messages the server compressed (RSV1), keeping one inflater per connection (context takeover).
     */
    static final boolean DEFLATE = Boolean.parseBoolean(prop("deflate", "false"));
    /** Connections on which the server accepted permessage-deflate. */
    static final AtomicInteger deflating = new AtomicInteger();
    static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** RFC 6455 client: HTTP upgrade, masked client frames, then the subclass's handling of each message. */
    abstract static class WsClient extends Client {
        final String host;
        final int port;
        final String path;
        final String subprotocol;
        boolean upgraded;
        /** Set when the server accepted permessage-deflate. */
        java.util.zip.Inflater inflater;
        byte[] inflated;
        /** Whether the message being received is compressed; its frames so far when it is fragmented. */
        boolean messageCompressed;
        Buffer fragments;

        WsClient(NetSocket socket, int id, String host, int port, String path, String subprotocol) {
            super(socket, id);
            this.host = host;
            this.port = port;
            this.path = path;
            this.subprotocol = subprotocol;
        }

        @Override
        void start() {
            socket.write("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (subprotocol != null ? "Sec-WebSocket-Protocol: " + subprotocol + "\r\n" : "")
                + (DEFLATE ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") + "\r\n");
        }

        void send(String text) {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            byte[] mask = {0x5a, 0x3c, 0x11, 0x7e};
            Buffer frame = Buffer.buffer(payload.length + 8).appendByte((byte) 0x81);
            if (payload.length < 126) {
                frame.appendByte((byte) (0x80 | payload.length));
            } else {
                frame.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
            }
            frame.appendBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            socket.write(frame.appendBytes(payload));
        }

        /** A WebSocket ping (masked, empty): a stalled client's liveness write. */
        void ping() {
            socket.write(Buffer.buffer(6).appendByte((byte) 0x89).appendByte((byte) 0x80).appendBytes(new byte[] {1, 2, 3, 4}));
        }

        /** One permessage-deflate message, all its frames' payloads (RFC 7692: plus 00 00 ff ff, a raw DEFLATE stream). */
        Buffer inflate(Buffer buf, int start, int end) {
            byte[] input = new byte[end - start + 4];
            buf.getBytes(start, end, input);
            System.arraycopy(DEFLATE_TAIL, 0, input, end - start, 4);
            inflater.setInput(input);
            Buffer out = Buffer.buffer(2 * input.length);
            try {
                int n;
                while ((n = inflater.inflate(inflated)) > 0) {
                    out.appendBytes(inflated, 0, n);
                }
            } catch (java.util.zip.DataFormatException e) {
                error("bad permessage-deflate message: " + e);
            }
            if (inflater.finished()) { // the server ended the stream (BFINAL): the next message starts a new one
                inflater.reset();
            }
            return out;
        }

        /** The upgrade succeeded. */
        abstract void opened();

        /** One data message, bytes [start, end) of buf. */
        abstract void message(Buffer buf, int start, int end);

        @Override
        int parse(Buffer buf, int from) {
            int length = buf.length();
            int at = from;
            if (!upgraded) {
                int end = -1;
                for (int i = at; i + 3 < length; i++) {
                    if (buf.getByte(i) == '\r' && buf.getByte(i + 1) == '\n' && buf.getByte(i + 2) == '\r' && buf.getByte(i + 3) == '\n') {
                        end = i + 4;
                        break;
                    }
                }
                if (end < 0) {
                    return at;
                }
                String head = buf.getString(at, end);
                if (!head.startsWith("HTTP/1.1 101")) {
                    error("WebSocket upgrade refused: " + head.lines().findFirst().orElse(""));
                    socket.close();
                    return length;
                }
                upgraded = true;
                if (DEFLATE && head.toLowerCase().contains("sec-websocket-extensions: permessage-deflate")) {
                    inflater = new java.util.zip.Inflater(true);
                    inflated = new byte[4096];
                    deflating.incrementAndGet();
                }
                at = end;
                opened();
            }
            while (at + 2 <= length) {
                boolean fin = (buf.getByte(at) & 0x80) != 0;
                boolean compressed = (buf.getByte(at) & 0x40) != 0;
                int opcode = buf.getByte(at) & 0x0f;
                int len = buf.getByte(at + 1) & 0x7f;
                int header = 2;
                long payloadLength = len;
                if (len == 126) {
                    if (at + 4 > length) {
                        return at;
                    }
                    payloadLength = buf.getUnsignedShort(at + 2);
                    header = 4;
                } else if (len == 127) {
                    if (at + 10 > length) {
                        return at;
                    }
                    payloadLength = buf.getLong(at + 2);
                    header = 10;
                }
                if (at + header + payloadLength > length) {
                    return at;
                }
                int start = at + header;
                int end = (int) (start + payloadLength);
                if (opcode == 1 || opcode == 2 || opcode == 0) {
                    if (opcode != 0) { // RSV1 is set on a message's first frame only (RFC 7692)
                        messageCompressed = compressed && inflater != null;
                    }
                    if (fin && opcode != 0 && !messageCompressed) {
                        message(buf, start, end);
                    } else {
                        fragments = fragments == null ? Buffer.buffer(end - start) : fragments;
                        fragments.appendBuffer(buf, start, end - start);
                        if (fin) {
                            Buffer whole = fragments;
                            fragments = null;
                            Buffer plain = messageCompressed ? inflate(whole, 0, whole.length()) : whole;
                            message(plain, 0, plain.length());
                        }
                    }
                } else if (opcode == 8) {
                    socket.close();
                }
                at = end;
            }
            return at;
        }
    }

    /** The gateway's SockJS bridge on its raw WebSocket endpoint: register, then {"type":"rec",...} messages. */
    static final class SockJsClient extends WsClient {
        final String address;

        SockJsClient(NetSocket socket, int id, String host, int port, String path, String address) {
            super(socket, id, host, port, path + "/websocket", null);
            this.address = address;
        }

        @Override
        void opened() {
            if (stalled && FILL_DESTINATION != null) {
                send("{\"type\":\"register\",\"address\":\"" + FILL_DESTINATION + "\"}");
            }
            send("{\"type\":\"register\",\"address\":\"" + address + "\"}");
            subscribedOk();
        }

        @Override
        void message(Buffer buf, int start, int end) {
            if (end - start > 10 && buf.getByte(start + 9) == 'r') {
                received(this, buf, start, end);
            } else {
                error("SockJS frame: " + buf.getString(start, end));
            }
        }
    }

    /** STOMP over WebSocket: one STOMP frame per WebSocket message. */
    static final class StompWsClient extends WsClient {
        final String destination;

        StompWsClient(NetSocket socket, int id, String host, int port, String path, String destination) {
            super(socket, id, host, port, path, "v12.stomp, v11.stomp, v10.stomp");
            this.destination = destination;
        }

        @Override
        void opened() {
            send(Stomp.connectFrame());
        }

        @Override
        void message(Buffer buf, int start, int end) {
            // a frame's trailing NUL may be missing when the server frames by WebSocket message
            int rest = Stomp.parse(this, buf, start, end, this::send, destination);
            if (rest < end && buf.getByte(rest) == 'M') {
                received(this, buf, rest, end);
            }
        }
    }

    /** The plain WebSocket ceiling server: every message is a record value. */
    static final class PlainWsClient extends WsClient {
        PlainWsClient(NetSocket socket, int id, String host, int port, String path) {
            super(socket, id, host, port, path, null);
        }

        @Override
        void opened() {
            subscribedOk();
        }

        @Override
        void message(Buffer buf, int start, int end) {
            received(this, buf, start, end);
        }
    }

    /** Where records come from. */
    interface Feed {
        void send(String value);

        void flush() throws Exception;

        void close();
    }

    static Feed kafkaFeed(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fanout-bench");
        KafkaProducer<String, String> producer = new KafkaProducer<>(props);
        producer.partitionsFor(topic); // metadata now, not on the first timed send
        AtomicLong failures = new AtomicLong();
        return new Feed() {
            @Override
            public void send(String value) {
                producer.send(new ProducerRecord<>(topic, 0, null, value), (metadata, e) -> {
                    if (e != null && failures.incrementAndGet() <= 5) {
                        error("produce failed: " + e);
                    }
                });
            }

            @Override
            public void flush() {
                producer.flush();
            }

            @Override
            public void close() {
                producer.close(java.time.Duration.ofSeconds(5));
            }
        };
    }

    /** SEND frames over one STOMP TCP connection (RabbitMQ's STOMP plugin), written from the pacing thread. */
    static Feed stompFeed(Vertx vertx, String host, int port, String destination) throws Exception {
        feedClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        NetSocket socket = feedClient.connect(port, host)
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        java.util.concurrent.CompletableFuture<Void> connected = new java.util.concurrent.CompletableFuture<>();
        socket.handler(b -> {
            String text = b.toString();
            if (text.startsWith("CONNECTED")) {
                connected.complete(null);
            } else if (text.startsWith("ERROR")) {
                error("feed ERROR: " + text.replace('\n', ' '));
            }
        });
        socket.write(Stomp.connectFrame());
        connected.get(30, TimeUnit.SECONDS);
        String head = "SEND\ndestination:" + destination + "\ncontent-type:application/json\ncontent-length:";
        return new Feed() {
            @Override
            public void send(String value) {
                byte[] body = value.getBytes(StandardCharsets.UTF_8);
                socket.write(Buffer.buffer(head.length() + body.length + 16).appendString(head)
                    .appendString(Integer.toString(body.length)).appendString("\n\n").appendBytes(body).appendByte((byte) 0));
            }

            @Override
            public void flush() {
                // writes are queued in order on the socket's event loop
            }

            @Override
            public void close() {
                socket.close();
            }
        };
    }

    static final class Step {
        final JsonObject json = new JsonObject();
        boolean passed;
    }

    static String target;
    static int subscribers;
    static Feed feed;
    static long serverPid;
    static int clkTck;
    static String pad;
    static long sentRecords;
    static double maxP99Ms;

    public static void main(String[] args) throws Exception {
        target = prop("target", "stomp-tcp");
        String host = prop("host", "127.0.0.1");
        int port = Integer.parseInt(prop("port", "0"));
        String path = path();
        String destination = prop("destination", "bench.fanout");
        subscribers = Integer.parseInt(prop("subscribers", "1000"));
        serverPid = Long.parseLong(prop("pid", "0"));
        clkTck = Integer.parseInt(prop("clkTck", "100"));
        int payloadBytes = Integer.parseInt(prop("payload", "100"));
        int parallelism = Integer.parseInt(prop("connectParallelism", "200"));
        maxP99Ms = Double.parseDouble(prop("maxP99Ms", "100"));
        pad = "x".repeat(Math.max(0, payloadBytes - 40));
        if (!java.util.Set.of("stomp-tcp", "stomp-ws", "sockjs", "ws").contains(target)) {
            throw new IllegalArgumentException("target must be stomp-tcp, stomp-ws, sockjs or ws, got " + target);
        }

        vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(60_000));
        Semaphore inFlight = new Semaphore(parallelism);
        long subscribeStart = System.nanoTime();
        net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000));
        stalledCount = Integer.parseInt(prop("stalled", "0"));
        if (stalledCount > 0) {
            stalledNet = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000)
                .setReceiveBufferSize(Integer.parseInt(prop("stalledReceiveBuffer", "4096"))));
        }
        int total = subscribers + stalledCount;
        for (int c = 0; c < total; c++) {
            inFlight.acquire();
            // Bresenham: exactly stalledCount of the connections are stalled, spread evenly among the others
            boolean stalled = (long) c * stalledCount / total != (long) (c + 1) * stalledCount / total;
            connect(c, stalled, false, inFlight);
        }
        if (!inFlight.tryAcquire(parallelism, 300, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect: " + subscribed.get() + " of " + subscribers);
        }
        inFlight.release(parallelism);
        if (subscribed.get() < subscribers) {
            throw new IllegalStateException("only " + subscribed.get() + " of " + subscribers + " clients subscribed");
        }
        if (stalledSubscribed.get() < stalledCount) {
            throw new IllegalStateException("only " + stalledSubscribed.get() + " of " + stalledCount + " stalled clients subscribed");
        }

        String feedKind = prop("feed", "kafka");
        feed = feedKind.equals("stomp")
            ? stompFeed(vertx, prop("feedHost", host), Integer.parseInt(prop("feedPort", "0")), prop("feedDestination", destination))
            : kafkaFeed(prop("bootstrap", "127.0.0.1:9092"), prop("topic", "bench.fanout"));

        // probes until every client got one: subscriptions are live end to end (a Kafka consumer starts at latest)
        long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (probed.get() < subscribers || stalledProbed.get() < stalledCount) {
            if (System.nanoTime() > probeDeadline) {
                throw new IllegalStateException("probe reached only " + probed.get() + " of " + subscribers + " clients and "
                    + stalledProbed.get() + " of " + stalledCount + " stalled clients");
            }
            feed.send("{\"seq\":-1,\"pad\":\"\",\"sentNs\":0}");
            feed.flush();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while ((probed.get() < subscribers || stalledProbed.get() < stalledCount) && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        double subscribeSec = (System.nanoTime() - subscribeStart) / 1e9;
        Thread.sleep(500); // let straggling probe copies arrive
        Thread filler = stalledCount > 0 && FILL_DESTINATION != null ? startFiller() : null;

        JsonObject summary = new JsonObject().put("target", target).put("feed", feedKind).put("subscribers", subscribers)
            .put("payloadBytes", payloadBytes).put("subscribeSec", round(subscribeSec));
        boolean knee = Boolean.parseBoolean(prop("knee", "true"));
        if (!knee) {
            Step step = runStep(Integer.parseInt(prop("rate", "100")), Integer.parseInt(prop("warmup", "5")),
                Integer.parseInt(prop("seconds", "15")));
            summary.put("step", step.json);
        } else {
            int stepWarmup = Integer.parseInt(prop("stepWarmup", "1"));
            int stepSeconds = Integer.parseInt(prop("stepSeconds", "4"));
            long maxOffered = Long.parseLong(prop("maxOffered", "2000000"));
            int maxRate = (int) Math.min(Long.parseLong(prop("maxRate", "200000")), Math.max(1, maxOffered / subscribers));
            int rate = Integer.parseInt(prop("startRate", Integer.toString(Math.max(1, 20_000 / subscribers))));
            rate = Math.min(rate, maxRate);
            // discarded: JIT compilation of both sides' hot paths, connection buffers grown
            Step warmupStep = runStep(Math.max(1, rate / 2), 0, Integer.parseInt(prop("initialWarmup", "10")));
            summary.put("warmup", warmupStep.json);
            JsonArray steps = new JsonArray();
            Step best = null;
            int lo = 0;
            int hi = 0;
            // double while passing
            while (true) {
                Step step = runStep(rate, stepWarmup, stepSeconds);
                steps.add(step.json);
                if (step.passed) {
                    best = step;
                    lo = rate;
                    if (rate >= maxRate || hi > 0) {
                        break;
                    }
                    rate = (int) Math.min(maxRate, rate * 2L);
                } else {
                    hi = rate;
                    if (lo > 0 || rate <= 1 || disconnects.get() > 0) {
                        break;
                    }
                    rate = rate / 2; // the first step failed: go down
                }
            }
            // bisect (geometric) between the last pass and the first failure
            int bisect = Integer.parseInt(prop("bisect", "3"));
            for (int i = 0; i < bisect && lo > 0 && hi > lo + 1 && disconnects.get() == 0; i++) {
                int mid = (int) Math.round(Math.sqrt((double) lo * hi));
                if (mid <= lo || mid >= hi) {
                    break;
                }
                Step step = runStep(mid, stepWarmup, stepSeconds);
                steps.add(step.json);
                if (step.passed) {
                    best = step;
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            summary.put("steps", steps);
            summary.put("kneeRate", best == null ? null : lo);
            summary.put("kneeCapped", best != null && lo >= maxRate);
            summary.put("knee", best == null ? null : best.json);
            if (best != null && disconnects.get() == 0) {
                int latencyRate = Math.max(1, (int) Math.round(lo * Double.parseDouble(prop("latencyFraction", "0.5"))));
                Step latency = runStep(latencyRate, Integer.parseInt(prop("latencyWarmup", "2")),
                    Integer.parseInt(prop("latencySeconds", "10")));
                summary.put("atHalfKnee", latency.json);
            }
        }
        summary.put("deflating", deflating.get()).put("errors", errors.get()).put("disconnects", disconnects.get()).put("unparsed", unparsed.sum());
        summary.put("stalled", stalledCount).put("stalledDisconnects", stalledDisconnects.get())
            .put("stalledReconnects", stalledReconnects.get()).put("stalledFills", stalledFills.get());
        summary.put("accounting", accounting());
        stopping = true;
        if (filler != null) {
            filler.interrupt();
            filler.join(10_000);
        }
        System.out.println(summary.encode());
        System.out.flush();
        feed.close();
        if (fillFeed != null) {
            fillFeed.close();
        }
        closeActions.forEach(Runnable::run);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // exiting anyway
        }
        System.exit(0);
    }

    static Vertx vertx;
    static NetClient stalledNet;

    /**
     * @return the HTTP path of the target ({@code -Dpath}, else the target's usual one)
     */
    static String path() {
        return prop("path", switch (target) {
            case "sockjs" -> "/eventbus";
            case "stomp-ws" -> "/stomp";
            default -> "/ws";
        });
    }
    static int stalledCount;
    static Feed fillFeed;
    static final ConcurrentLinkedQueue<Runnable> closeActions = new ConcurrentLinkedQueue<>();

    /**
     * Opens one client: a well-behaved one, or a stalled one (its own NetClient with a small receive buffer). A stalled
     * client that is closed while the run goes on connects again ({@code reconnected}) unless -DstalledReconnect=false.
     */
    static void connect(int id, boolean stalled, boolean reconnected, Semaphore inFlight) {
        String host = prop("host", "127.0.0.1");
        int port = Integer.parseInt(prop("port", "0"));
        String path = path();
        String destination = prop("destination", "bench.fanout");
        (stalled ? stalledNet : net).connect(port, host).onSuccess(socket -> {
            closeActions.add(socket::close);
            Client client = switch (target) {
                case "stomp-tcp" -> new StompTcpClient(socket, id, destination);
                case "stomp-ws" -> new StompWsClient(socket, id, host, port, path, destination);
                case "sockjs" -> new SockJsClient(socket, id, host, port, path, destination);
                default -> new PlainWsClient(socket, id, host, port, path);
            };
            client.stalled = stalled;
            client.reconnected = reconnected;
            client.inFlight = inFlight;
            if (!stalled) {
                clients.add(client);
            }
            long liveness = !stalled ? -1 : vertx.setPeriodic(1000, 1000, t -> {
                // paused: the client would not see the server's FIN; a write to a closed connection fails instead
                if (client instanceof WsClient ws) {
                    if (ws.upgraded) {
                        ws.ping();
                    }
                } else {
                    socket.write("\n");
                }
            });
            socket.closeHandler(v -> {
                if (liveness >= 0) {
                    vertx.cancelTimer(liveness);
                }
                client.subscribedOrFailed();
                if (stopping) {
                    return;
                }
                if (!stalled) {
                    disconnects.incrementAndGet();
                } else {
                    stalledDisconnects.incrementAndGet();
                    if (Boolean.parseBoolean(prop("stalledReconnect", "true"))) {
                        stalledReconnects.incrementAndGet();
                        vertx.setTimer(Long.parseLong(prop("stalledReconnectMs", "2000")), t -> {
                            if (!stopping) {
                                connect(id, true, true, new Semaphore(1));
                            }
                        });
                    }
                }
            });
            socket.exceptionHandler(e -> {
                // a reset connection closes; the close handler counts it
            });
            socket.handler(client::handle);
            client.start();
            if (target.equals("sockjs")) {
                // the bridge closes silent connections: ping every 20 s, staggered
                long timer = vertx.setPeriodic(1000 + (id * 20_000L / Math.max(1, subscribers)), 20_000, t -> {
                    if (!stopping) {
                        ((SockJsClient) client).send("{\"type\":\"ping\"}");
                    }
                });
                closeActions.add(() -> vertx.cancelTimer(timer));
            }
        }).onFailure(e -> {
            error("connect failed" + (stalled ? " (stalled client)" : "") + ": " + e);
            if (stalled && reconnected && !stopping) {
                vertx.setTimer(1000, t -> connect(id, true, true, inFlight));
            } else {
                inFlight.release();
            }
        });
    }

    /**
     * Fills the stalled clients' queues through their second subscription ({@code fillDestination}) once they all
     * stalled (with {@code -DstalledRefill=true} also whenever one stalled anew, checked every second):
     * {@code stalledFill} records of {@code stalledFillBytes}, with "sentNs":0 (not counted anywhere).
     */
    static Thread startFiller() {
        fillFeed = kafkaFeed(prop("bootstrap", "127.0.0.1:9092"), prop("fillTopic", "bench.fanout.fill"));
        int records = Integer.parseInt(prop("stalledFill", "256"));
        boolean refill = Boolean.parseBoolean(prop("stalledRefill", "false"));
        String value = "{\"seq\":-2,\"pad\":\"" + "f".repeat(Math.max(0, Integer.parseInt(prop("stalledFillBytes", "8192")) - 40))
            + "\",\"sentNs\":0}";
        Thread thread = new Thread(() -> {
            long filledAt = -1;
            try {
                while (!stopping) {
                    long paused = stalledPaused.get();
                    if (filledAt < 0 || refill && paused != filledAt) {
                        filledAt = paused;
                        for (int i = 0; i < records; i++) {
                            fillFeed.send(value);
                        }
                        fillFeed.flush();
                        stalledFills.incrementAndGet();
                    }
                    Thread.sleep(1000);
                }
            } catch (InterruptedException e) {
                // the run ended
            } catch (Exception e) {
                error("fill failed: " + e);
            }
        }, "stalled-filler");
        thread.setDaemon(true);
        thread.start();
        try {
            Thread.sleep(3000); // the first fill reaches the queues before anything is measured
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return thread;
    }

    /**
     * After the last drain: every record sent should have reached every well-behaved client once.
     */
    static JsonObject accounting() {
        long expectedPerClient = sentRecords;
        long missing = 0;
        long extra = 0;
        int short_ = 0;
        long min = Long.MAX_VALUE;
        long max = 0;
        int n = 0;
        for (Client c : clients) {
            long got = c.records;
            n++;
            min = Math.min(min, got);
            max = Math.max(max, got);
            if (got < expectedPerClient) {
                short_++;
                missing += expectedPerClient - got;
            } else {
                extra += got - expectedPerClient;
            }
        }
        return new JsonObject().put("recordsSent", sentRecords).put("clients", n)
            .put("expectedMessages", sentRecords * n).put("receivedMessages", receivedTotal.sum())
            .put("clientsShort", short_).put("missingMessages", missing).put("extraMessages", extra)
            .put("minPerClient", n == 0 ? null : min).put("maxPerClient", n == 0 ? null : max);
    }

    /**
     * Produces {@code rate} records/s for warm-up + measured seconds, measures the window, then waits until the
     * backlog drained (every sent record delivered to every client, or no progress for 3 s, at most {@code grace} s).
     */
    static Step runStep(int rate, int warmup, int seconds) throws Exception {
        long disconnectsBefore = disconnects.get();
        long stalledDisconnectsBefore = stalledDisconnects.get();
        Sampler sampler = Integer.parseInt(prop("rssSampleMs", "0")) > 0 ? new Sampler() : null;
        long expectedMessagesPerSec = Math.min((long) rate * subscribers, 400_000L);
        sampleStride = (int) Math.max(1, (expectedMessagesPerSec * seconds + MAX_SAMPLES - 1) / MAX_SAMPLES);
        arrivalsInWindow.reset();
        sampleCount.set(0);
        maxLatency.set(0);
        long interval = 1_000_000_000L / rate;
        long begin = System.nanoTime();
        windowStart = begin + TimeUnit.SECONDS.toNanos(warmup);
        windowEnd = windowStart + TimeUnit.SECONDS.toNanos(seconds);
        long offered = 0;
        long next = begin;
        long cpuBefore = -1;
        long serverBefore = -1;
        Map<String, Long> threadsBefore = Map.of();
        Map<String, Long> threadsUsed = new TreeMap<>();
        long cpuUsed = 0;
        long serverUsed = -1;
        boolean inWindow = false;
        while (true) {
            long now = System.nanoTime();
            if (!inWindow && now >= windowStart) {
                inWindow = true;
                cpuBefore = processCpuNanos();
                serverBefore = processTicks(serverPid);
                threadsBefore = threadTicks(serverPid);
            }
            if (now >= windowEnd) {
                cpuUsed = processCpuNanos() - cpuBefore;
                long serverAfter = processTicks(serverPid);
                serverUsed = serverBefore >= 0 && serverAfter >= 0 ? serverAfter - serverBefore : -1;
                Map<String, Long> before = threadsBefore;
                threadTicks(serverPid).forEach((group, ticks) -> threadsUsed.put(group, ticks - before.getOrDefault(group, 0L)));
                break;
            }
            while (next <= now) {
                long sentNs = System.nanoTime();
                if (sentNs >= windowEnd) {
                    break;
                }
                feed.send("{\"seq\":" + sentRecords + ",\"pad\":\"" + pad + "\",\"sentNs\":" + sentNs + "}");
                sentRecords++;
                if (sentNs >= windowStart) {
                    offered++;
                }
                next += interval;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
        }
        long arrivals = arrivalsInWindow.sum();
        feed.flush();
        // drain: the next step must not start on this one's backlog
        long drainStart = System.nanoTime();
        long graceEnd = drainStart + TimeUnit.SECONDS.toNanos(Long.parseLong(prop("grace", "60")));
        long last = receivedTotal.sum();
        long lastProgress = drainStart;
        long target = sentRecords * subscribers;
        while (receivedTotal.sum() < target && System.nanoTime() < graceEnd && System.nanoTime() - lastProgress < 3_000_000_000L) {
            Thread.sleep(20);
            long now = receivedTotal.sum();
            if (now > last) {
                last = now;
                lastProgress = System.nanoTime();
            }
        }
        double drainSec = (System.nanoTime() - drainStart) / 1e9;
        JsonObject sampled = sampler == null ? null : sampler.finish(begin, windowEnd);

        int count = Math.min(sampleCount.get(), samples.length);
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        long expected = offered * subscribers;
        double ratio = expected == 0 ? 0 : arrivals / (double) expected;
        double p99 = percentile(sorted, 0.99);
        double generatorCores = cpuUsed / 1e9 / seconds;
        double serverSeconds = serverUsed >= 0 ? serverUsed / (double) clkTck : Double.NaN;
        long lost = disconnects.get() - disconnectsBefore;
        Step step = new Step();
        step.passed = ratio >= 0.99 && !Double.isNaN(p99) && p99 <= maxP99Ms && lost == 0;
        step.json.put("rate", rate).put("offeredPerSecond", round(offered / (double) seconds))
            .put("offeredMessagesPerSecond", round(expected / (double) seconds))
            .put("deliveredPerSecond", round(arrivals / (double) seconds)).put("deliveredRatio", round4(ratio))
            .put("p50Ms", round(percentile(sorted, 0.50))).put("p99Ms", round(p99)).put("p999Ms", round(percentile(sorted, 0.999)))
            .put("maxMs", round(count == 0 ? Double.NaN : maxLatency.get() / 1e6)).put("latencySamples", count)
            .put("passed", step.passed).put("disconnects", lost).put("drainSec", round(drainSec))
            .put("generatorCpuCores", round(generatorCores))
            .put("serverCpuCores", round(serverSeconds / seconds))
            .put("serverCpuUsPerDelivered", arrivals == 0 ? null : round(serverSeconds * 1e6 / arrivals))
            .put("stalledDisconnects", stalledDisconnects.get() - stalledDisconnectsBefore);
        if (sampled != null) {
            step.json.put("sampled", sampled);
        }
        if (!threadsUsed.isEmpty()) {
            JsonObject groups = new JsonObject();
            threadsUsed.forEach((group, ticks) -> groups.put(group, round(ticks / (double) clkTck / seconds)));
            step.json.put("serverCpuCoresByThread", groups);
        }
        System.err.println("step " + step.json.encode());
        return step;
    }

    /**
     * {@code -DrssSampleMs}: the server's VmRSS every so many ms, and with {@code -DhealthPort} its /health every second
     * (source in-flight records and bytes, paused, pauses; slowClients), from the step's start to the end of its drain.
     */
    static final class Sampler {
        final long start = System.nanoTime();
        final JsonArray rss = new JsonArray();
        final JsonArray health = new JsonArray();
        volatile boolean done;
        final Thread thread;
        /** Its own thread: a busy node answers /health late, which must not delay the RSS samples. */
        final Thread healthThread;

        Sampler() {
            long every = Long.parseLong(prop("rssSampleMs", "100"));
            int healthPort = Integer.parseInt(prop("healthPort", "0"));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            thread = new Thread(() -> {
                while (!done) {
                    long t = (System.nanoTime() - start) / 1_000_000;
                    long kb = rssKb(serverPid);
                    if (kb > 0) {
                        synchronized (rss) {
                            rss.add(new JsonArray().add(t).add(kb));
                        }
                    }
                    try {
                        Thread.sleep(every);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            healthThread = new Thread(() -> {
                while (!done && healthPort > 0) {
                    long t = (System.nanoTime() - start) / 1_000_000;
                    {
                        try {
                            JsonObject h = new JsonObject(http.send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + healthPort + "/health")).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                            JsonObject src = h.getJsonObject("source", new JsonObject());
                            JsonObject slow = h.getJsonObject("slowClients", new JsonObject());
                            health.add(new JsonObject().put("t", t).put("records", src.getLong("records"))
                                .put("bytes", src.getLong("bytes")).put("paused", src.getBoolean("paused"))
                                .put("pauses", src.getLong("pauses")).put("disconnect", slow.getLong("disconnect"))
                                .put("dropOldest", slow.getLong("drop-oldest"))
                                .put("connections", h.getJsonObject("connections", new JsonObject()).getLong("open"))
                                .put("subscriptions", h.getJsonObject("subscriptions", new JsonObject()).getLong("total"))
                            .put("answeredMs", (System.nanoTime() - start) / 1_000_000 - t));
                        } catch (Exception e) {
                            error("health: " + e);
                        }
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "health-sampler");
            thread.setDaemon(true);
            thread.start();
            healthThread.setDaemon(true);
            healthThread.start();
        }

        /** Stops; the samples and the peaks while records were produced ({@code begin} to {@code burstEnd}) and after. */
        JsonObject finish(long begin, long burstEnd) throws InterruptedException {
            done = true;
            thread.join(5000);
            healthThread.join(30_000);
            long burstEndMs = (burstEnd - start) / 1_000_000;
            long peakBurst = 0;
            long peakDrain = 0;
            long atBurstEnd = 0;
            for (int i = 0; i < rss.size(); i++) {
                JsonArray sample = rss.getJsonArray(i);
                long t = sample.getLong(0);
                long kb = sample.getLong(1);
                if (t <= burstEndMs) {
                    peakBurst = Math.max(peakBurst, kb);
                    atBurstEnd = kb;
                } else {
                    peakDrain = Math.max(peakDrain, kb);
                }
            }
            long maxRecords = 0;
            long maxBytes = 0;
            for (int i = 0; i < health.size(); i++) {
                maxRecords = Math.max(maxRecords, health.getJsonObject(i).getLong("records", 0L));
                maxBytes = Math.max(maxBytes, health.getJsonObject(i).getLong("bytes", 0L));
            }
            return new JsonObject().put("burstEndMs", burstEndMs).put("rssPeakBurstKb", peakBurst)
                .put("rssPeakDrainKb", peakDrain).put("rssAtBurstEndKb", atBurstEnd)
                .put("rssLastKb", rss.isEmpty() ? null : rss.getJsonArray(rss.size() - 1).getLong(1))
                .put("maxInFlightRecordsSeen", maxRecords).put("maxInFlightBytesSeen", maxBytes)
                .put("rssKb", rss).put("health", health);
        }
    }

    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // gone
        }
        return -1;
    }

    /**
     * One message arrived, bytes [start, end) of buf: its record value ends in {@code "sentNs":T}} (then the rest of
     * a SockJS frame or STOMP frame may follow: closing braces, NUL, line ends).
     */
    static void received(Client client, Buffer buf, int start, int end) {
        if (client.stalled) {
            if (!client.gotProbe) { // subscribed and reached: stop reading from now on
                client.gotProbe = true;
                client.socket.pause();
                if (!client.reconnected) {
                    stalledProbed.incrementAndGet();
                }
                stalledPaused.incrementAndGet();
            }
            return;
        }
        long now = System.nanoTime();
        long sentNs = parseSentNs(buf, start, end);
        if (sentNs < 0) {
            unparsed.increment();
            return;
        }
        if (!client.gotProbe) {
            client.gotProbe = true;
            probed.incrementAndGet();
        }
        if (sentNs == 0) {
            return;
        }
        client.records++;
        receivedTotal.increment();
        if (now >= windowStart && now < windowEnd) {
            arrivalsInWindow.increment();
            long latency = now - sentNs;
            if (client.seen++ % sampleStride == 0) {
                int index = sampleCount.getAndIncrement();
                if (index < samples.length) {
                    samples[index] = latency;
                }
            }
            long max;
            while (latency > (max = maxLatency.get()) && !maxLatency.compareAndSet(max, latency)) {
                // retry
            }
        }
    }

    /**
     * Scans backwards from the end over closing braces, quotes and whitespace, then the digits, and checks they follow
     * {@code "sentNs":}; -1 when the frame does not look like that.
     */
    static long parseSentNs(Buffer frame, int from, int to) {
        int end = to - 1;
        while (end >= from) {
            byte b = frame.getByte(end);
            if (b == '}' || b == '\n' || b == '\r' || b == ' ' || b == 0 || b == '"' || b == ']') {
                end--;
            } else {
                break;
            }
        }
        int start = end;
        while (start >= from && frame.getByte(start) >= '0' && frame.getByte(start) <= '9') {
            start--;
        }
        if (start == end || start + 1 - from < SENT_KEY.length) {
            return -1;
        }
        for (int i = 0; i < SENT_KEY.length; i++) {
            if (frame.getByte(start - SENT_KEY.length + 1 + i) != SENT_KEY[i]) {
                return -1;
            }
        }
        long value = 0;
        for (int i = start + 1; i <= end; i++) {
            value = value * 10 + (frame.getByte(i) - '0');
        }
        return value;
    }

    static Double round(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : Math.round(value * 1000) / 1000.0;
    }

    static Double round4(double value) {
        return Math.round(value * 10000) / 10000.0;
    }

    /** @return utime+stime of the process in clock ticks, or -1 when unknown */
    static long processTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is field 3 (state): utime is field 14, stime field 15
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/stat: " + e);
            return -1;
        }
    }

    /**
     * @return utime+stime in clock ticks of a JVM server's threads, grouped: Vert.x event loops, the Kafka consumer
     * thread, JIT compilers, GC and VM threads, the rest; empty when unknown. Threads that ended are missing.
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        if (pid <= 0 || !Boolean.parseBoolean(prop("threadGroups", "true"))) {
            return groups;
        }
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    String group = name.startsWith("vert.x-eventloo") ? "eventLoop"
                        : name.startsWith("vert.x-kafka-co") ? "kafkaConsumer"
                        : name.contains("CompilerThre") ? "jit"
                        : name.equals("VM Thread") || name.startsWith("GC ") || name.startsWith("G1 ") ? "gcAndVm"
                        : "other";
                    groups.merge(group, ticks, Long::sum);
                } catch (Exception e) {
                    // the thread ended meanwhile
                }
            }
        } catch (Exception e) {
            System.err.println("cannot read /proc/" + pid + "/task: " + e);
        }
        return groups;
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
