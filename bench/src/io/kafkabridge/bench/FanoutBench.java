package io.kafkabridge.bench;

import io.kafkabridge.bench.clients.ClientVertx;
import io.kafkabridge.bench.clients.ConnectGate;
import io.kafkabridge.bench.clients.Connection;
import io.kafkabridge.bench.clients.HealthClient;
import io.kafkabridge.bench.clients.PlainWsClient;
import io.kafkabridge.bench.clients.SockJsClient;
import io.kafkabridge.bench.clients.StompFrames;
import io.kafkabridge.bench.clients.StompSubscriber;
import io.kafkabridge.bench.clients.StompTcpClient;
import io.kafkabridge.bench.clients.StompWsClient;
import io.kafkabridge.bench.clients.SubscriberEvents;
import io.kafkabridge.bench.clients.WebSocketClient;
import io.kafkabridge.bench.clients.WebSocketTarget;
import io.kafkabridge.bench.kafka.ProducerSettings;
import io.kafkabridge.bench.measure.Backlog;
import io.kafkabridge.bench.measure.CpuMeter;
import io.kafkabridge.bench.measure.LatencySamples;
import io.kafkabridge.bench.measure.PacedRun;
import io.kafkabridge.bench.measure.ProcStats;
import io.kafkabridge.bench.measure.RecordTail;
import io.kafkabridge.bench.measure.StepWindow;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load generator of the fan-out benchmark: N subscribers of one destination on a server under test, and a feed that
 * produces records at a paced rate, all in this JVM. Every record's value ends in {@code "sentNs":<System.nanoTime()>}
 * taken just before it is handed to the feed, so receive time minus that value is the end-to-end latency on one clock.
 * The clients are the hand-written NetSocket clients of {@code io.kafkabridge.bench.clients}, so the generator's one
 * core goes further than with general-purpose clients.
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
 * {@code java -cp target/kafka-eventbus-bridge.jar:bench/target/classes -Dtarget=stomp-tcp -Dport=P -Dsubscribers=1000
 * -Dfeed=kafka -Dbootstrap=H:P -Dtopic=bench.fanout -Ddestination=bench.fanout -Dpid=PID io.kafkabridge.bench.FanoutBench}
 * (after {@code bench/build.sh})
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

    /** Held for the whole run (see {@link ClientVertx}). */
    static NetClient net;
    static NetClient stalledNet;
    static NetClient feedClient;

    static final int MAX_SAMPLES = 1 << 20;

    /** The step's measurement window; records with sentNs <= 0 are probes. */
    static final StepWindow window = new StepWindow();
    static volatile int sampleStride = 1;
    static final LatencySamples latencies = new LatencySamples(MAX_SAMPLES);

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
    /**
     * {@code -Ddeflate=true}: WebSocket clients offer {@code permessage-deflate} in the upgrade, as browsers do on every
     * WebSocket, and inflate the messages the server compressed.
     */
    static final boolean DEFLATE = Props.flag("deflate", false);
    /** Connections on which the server accepted permessage-deflate. */
    static final AtomicInteger deflating = new AtomicInteger();
    /** Spring's simple broker never answers a SUBSCRIBE receipt: {@code -DsubscribeReceipt=false} for it. */
    static final boolean RECEIPTS = Props.flag("subscribeReceipt", true);
    /** The well-behaved clients, for the accounting. */
    static final ConcurrentLinkedQueue<Subscriber> clients = new ConcurrentLinkedQueue<>();
    static volatile boolean stopping;

    static void error(String what) {
        if (errors.incrementAndGet() <= 5) {
            System.err.println(what);
        }
    }

    /** One subscriber: what it received, whatever its protocol. State confined to its connection's event loop. */
    static final class Subscriber implements SubscriberEvents {
        final int id;
        /** A stalled client: stops reading on its first message, not counted. */
        final boolean stalled;
        /** A stalled client that reconnected: not counted in the initial probe. */
        final boolean reconnected;
        final ConnectGate.Permit permit;
        Connection connection;
        boolean gotProbe;
        long seen;
        /** Records (not probes) received: the accounting after a run. */
        long records;

        Subscriber(int id, boolean stalled, boolean reconnected, ConnectGate.Permit permit) {
            this.id = id;
            this.stalled = stalled;
            this.reconnected = reconnected;
            this.permit = permit;
        }

        @Override
        public void subscribed() {
            if (connection instanceof WebSocketClient ws && ws.isDeflating()) {
                deflating.incrementAndGet();
            }
            if (!stalled) {
                FanoutBench.subscribed.incrementAndGet();
            } else if (!reconnected) {
                stalledSubscribed.incrementAndGet();
            }
            permit.release();
        }

        /**
         * One message arrived, bytes [start, end) of buf: its record value ends in {@code "sentNs":T} (then the rest of
         * a SockJS frame or STOMP frame may follow: closing braces, NUL, line ends).
         */
        @Override
        public void message(Buffer buf, int start, int end) {
            if (stalled) {
                if (!gotProbe) { // subscribed and reached: stop reading from now on
                    gotProbe = true;
                    connection.socket().pause();
                    if (!reconnected) {
                        stalledProbed.incrementAndGet();
                    }
                    stalledPaused.incrementAndGet();
                }
                return;
            }
            long now = System.nanoTime();
            long sentNs = RecordTail.sentNs(buf, start, end);
            if (sentNs < 0) {
                unparsed.increment();
                return;
            }
            if (!gotProbe) {
                gotProbe = true;
                probed.incrementAndGet();
            }
            if (sentNs == 0) {
                return;
            }
            records++;
            receivedTotal.increment();
            if (window.contains(now)) {
                arrivalsInWindow.increment();
                long latency = now - sentNs;
                if (seen++ % sampleStride == 0) {
                    latencies.add(latency);
                } else {
                    latencies.updateMax(latency);
                }
            }
        }

        @Override
        public void error(String what) {
            FanoutBench.error(what);
        }
    }

    /** Where records come from. */
    interface Feed {
        void send(String value);

        void flush();

        void close();
    }

    static Feed kafkaFeed(String bootstrap, String topic) {
        KafkaProducer<String, String> producer = new ProducerSettings(bootstrap, "fanout-bench").acknowledgeByLeader()
            .lingerMs(1).create(topic);
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
        feedClient = ClientVertx.netClient(vertx);
        NetSocket socket = feedClient.connect(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        CompletableFuture<Void> connected = new CompletableFuture<>();
        StompTcpClient client = new StompTcpClient(socket, connectFrame(), (connection, buf, start, end) -> {
            if (buf.getByte(start) == 'C') {
                connected.complete(null);
            } else if (buf.getByte(start) == 'E') {
                error("feed ERROR: " + buf.getString(start, end).replace('\n', ' '));
            }
        });
        client.start();
        connected.get(30, TimeUnit.SECONDS);
        return new Feed() {
            @Override
            public void send(String value) {
                client.send(StompFrames.send(destination, null, value.getBytes(StandardCharsets.UTF_8)));
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
    static String host;
    static int port;
    static String path;
    static String destination;
    static int subscribers;
    static Feed feed;
    static long serverPid;
    static int clkTck;
    static String pad;
    static long sentRecords;
    static double maxP99Ms;

    public static void main(String[] args) throws Exception {
        target = Props.string("target", "stomp-tcp");
        host = Props.string("host", "127.0.0.1");
        port = Props.integer("port", 0);
        path = path();
        destination = Props.string("destination", "bench.fanout");
        subscribers = Props.integer("subscribers", 1000);
        serverPid = Props.longValue("pid", 0);
        clkTck = Props.integer("clkTck", 100);
        int payloadBytes = Props.integer("payload", 100);
        ConnectGate gate = new ConnectGate(Props.integer("connectParallelism", 200));
        maxP99Ms = Props.decimal("maxP99Ms", 100);
        pad = "x".repeat(Math.max(0, payloadBytes - 40));
        if (!Set.of("stomp-tcp", "stomp-ws", "sockjs", "ws").contains(target)) {
            throw new IllegalArgumentException("target must be stomp-tcp, stomp-ws, sockjs or ws, got " + target);
        }

        vertx = ClientVertx.create();
        long subscribeStart = System.nanoTime();
        net = ClientVertx.netClient(vertx);
        stalledCount = Props.integer("stalled", 0);
        if (stalledCount > 0) {
            stalledNet = vertx.createNetClient(ClientVertx.netOptions()
                .setReceiveBufferSize(Props.integer("stalledReceiveBuffer", 4096)));
        }
        int total = subscribers + stalledCount;
        for (int c = 0; c < total; c++) {
            ConnectGate.Permit permit = gate.enter();
            // Bresenham: exactly stalledCount of the connections are stalled, spread evenly among the others
            boolean stalled = (long) c * stalledCount / total != (long) (c + 1) * stalledCount / total;
            connect(c, stalled, false, permit);
        }
        if (!gate.awaitSettled(300, TimeUnit.SECONDS)) {
            throw new IllegalStateException("clients did not connect: " + subscribed.get() + " of " + subscribers);
        }
        if (subscribed.get() < subscribers) {
            throw new IllegalStateException("only " + subscribed.get() + " of " + subscribers + " clients subscribed");
        }
        if (stalledSubscribed.get() < stalledCount) {
            throw new IllegalStateException("only " + stalledSubscribed.get() + " of " + stalledCount + " stalled clients subscribed");
        }

        String feedKind = Props.string("feed", "kafka");
        feed = feedKind.equals("stomp")
            ? stompFeed(vertx, Props.string("feedHost", host), Props.integer("feedPort", 0), Props.string("feedDestination", destination))
            : kafkaFeed(Props.string("bootstrap", "127.0.0.1:9092"), Props.string("topic", "bench.fanout"));

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
        boolean knee = Props.flag("knee", true);
        if (!knee) {
            Step step = runStep(Props.integer("rate", 100), Props.integer("warmup", 5), Props.integer("seconds", 15));
            summary.put("step", step.json);
        } else {
            int stepWarmup = Props.integer("stepWarmup", 1);
            int stepSeconds = Props.integer("stepSeconds", 4);
            long maxOffered = Props.longValue("maxOffered", 2_000_000);
            int maxRate = (int) Math.min(Props.longValue("maxRate", 200_000), Math.max(1, maxOffered / subscribers));
            int rate = Props.integer("startRate", Math.max(1, 20_000 / subscribers));
            rate = Math.min(rate, maxRate);
            // discarded: JIT compilation of both sides' hot paths, connection buffers grown
            Step warmupStep = runStep(Math.max(1, rate / 2), 0, Props.integer("initialWarmup", 10));
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
            int bisect = Props.integer("bisect", 3);
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
                int latencyRate = Math.max(1, (int) Math.round(lo * Props.decimal("latencyFraction", 0.5)));
                Step latency = runStep(latencyRate, Props.integer("latencyWarmup", 2), Props.integer("latencySeconds", 10));
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
        ClientVertx.closeAndExit(vertx);
    }

    static Vertx vertx;

    /**
     * @return the HTTP path of the target ({@code -Dpath}, else the target's usual one)
     */
    static String path() {
        return Props.string("path", switch (target) {
            case "sockjs" -> "/eventbus";
            case "stomp-ws" -> "/stomp";
            default -> "/ws";
        });
    }

    static int stalledCount;
    static Feed fillFeed;
    static final ConcurrentLinkedQueue<Runnable> closeActions = new ConcurrentLinkedQueue<>();

    /** The CONNECT of the STOMP clients and the STOMP feed: {@code -DstompHost}, {@code -Dlogin}, {@code -Dpasscode}. */
    static String connectFrame() {
        return StompFrames.connect(Props.string("stompHost", "/"), System.getProperty("login"), System.getProperty("passcode"));
    }

    /**
     * Opens one client: a well-behaved one, or a stalled one (its own NetClient with a small receive buffer). A stalled
     * client that is closed while the run goes on connects again ({@code reconnected}) unless -DstalledReconnect=false.
     */
    static void connect(int id, boolean stalled, boolean reconnected, ConnectGate.Permit permit) {
        (stalled ? stalledNet : net).connect(port, host).onSuccess(socket -> {
            closeActions.add(socket::close);
            Subscriber subscriber = new Subscriber(id, stalled, reconnected, permit);
            Connection connection = open(socket, subscriber);
            subscriber.connection = connection;
            if (!stalled) {
                clients.add(subscriber);
            }
            // paused: the client would not see the server's FIN; a write to a closed connection fails instead
            long liveness = !stalled ? -1 : vertx.setPeriodic(1000, 1000, t -> connection.ping());
            socket.closeHandler(v -> {
                if (liveness >= 0) {
                    vertx.cancelTimer(liveness);
                }
                permit.release();
                if (stopping) {
                    return;
                }
                if (!stalled) {
                    disconnects.incrementAndGet();
                } else {
                    stalledDisconnects.incrementAndGet();
                    if (Props.flag("stalledReconnect", true)) {
                        stalledReconnects.incrementAndGet();
                        vertx.setTimer(Props.longValue("stalledReconnectMs", 2000), t -> {
                            if (!stopping) {
                                connect(id, true, true, ConnectGate.unbounded());
                            }
                        });
                    }
                }
            });
            socket.exceptionHandler(e -> {
                // a reset connection closes; the close handler counts it
            });
            connection.start();
            if (connection instanceof SockJsClient sockJs) {
                long timer = sockJs.keepAlive(vertx, id, subscribers);
                closeActions.add(() -> vertx.cancelTimer(timer));
            }
        }).onFailure(e -> {
            error("connect failed" + (stalled ? " (stalled client)" : "") + ": " + e);
            if (stalled && reconnected && !stopping) {
                vertx.setTimer(1000, t -> connect(id, true, true, permit));
            } else {
                permit.release();
            }
        });
    }

    /** The client of the target's protocol for one subscriber. */
    static Connection open(NetSocket socket, Subscriber subscriber) {
        String wsPath = target.equals("sockjs") ? SockJsClient.websocketPath(path, null) : path;
        WebSocketTarget ws = new WebSocketTarget(host, port, wsPath, DEFLATE);
        return switch (target) {
            case "stomp-tcp" -> new StompTcpClient(socket, stompSubscriber(subscriber));
            case "stomp-ws" -> new StompWsClient(socket, ws, stompSubscriber(subscriber));
            case "sockjs" -> new SockJsClient(socket, ws, addresses(subscriber), subscriber);
            default -> new PlainWsClient(socket, ws, subscriber);
        };
    }

    /** A stalled client also subscribes to the fill destination, first: the receipt of the second covers both. */
    static StompSubscriber stompSubscriber(Subscriber subscriber) {
        List<String> frames = new ArrayList<>();
        if (subscriber.stalled && FILL_DESTINATION != null) {
            frames.add(StompFrames.subscribe("f" + subscriber.id, FILL_DESTINATION, null));
        }
        frames.add(StompFrames.subscribe("s" + subscriber.id, destination, RECEIPTS ? "sub-" + subscriber.id : null));
        return new StompSubscriber(connectFrame(), frames, RECEIPTS, subscriber);
    }

    static List<String> addresses(Subscriber subscriber) {
        return subscriber.stalled && FILL_DESTINATION != null ? List.of(FILL_DESTINATION, destination) : List.of(destination);
    }

    /**
     * Fills the stalled clients' queues through their second subscription ({@code fillDestination}) once they all
     * stalled (with {@code -DstalledRefill=true} also whenever one stalled anew, checked every second):
     * {@code stalledFill} records of {@code stalledFillBytes}, with "sentNs":0 (not counted anywhere).
     */
    static Thread startFiller() {
        fillFeed = kafkaFeed(Props.string("bootstrap", "127.0.0.1:9092"), Props.string("fillTopic", "bench.fanout.fill"));
        int records = Props.integer("stalledFill", 256);
        boolean refill = Props.flag("stalledRefill", false);
        String value = "{\"seq\":-2,\"pad\":\"" + "f".repeat(Math.max(0, Props.integer("stalledFillBytes", 8192) - 40))
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
        for (Subscriber c : clients) {
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
        Sampler sampler = Props.integer("rssSampleMs", 0) > 0 ? new Sampler() : null;
        long expectedMessagesPerSec = Math.min((long) rate * subscribers, 400_000L);
        sampleStride = (int) Math.max(1, (expectedMessagesPerSec * seconds + MAX_SAMPLES - 1) / MAX_SAMPLES);
        arrivalsInWindow.reset();
        latencies.reset();
        window.open(warmup, seconds);
        CpuMeter cpu = new CpuMeter(serverPid, clkTck, Props.flag("threadGroups", true) ? "other" : null);
        PacedRun.Result run = PacedRun.run(rate, window, cpu, sentNs -> {
            feed.send("{\"seq\":" + sentRecords + ",\"pad\":\"" + pad + "\",\"sentNs\":" + sentNs + "}");
            sentRecords++;
        });
        long arrivals = arrivalsInWindow.sum();
        feed.flush();
        // drain: the next step must not start on this one's backlog
        double drainSec = Backlog.drain(receivedTotal::sum, sentRecords * subscribers, Props.longValue("grace", 60));
        JsonObject sampled = sampler == null ? null : sampler.finish(window.end());

        long[] sorted = latencies.sorted();
        long offered = run.offered();
        long expected = offered * subscribers;
        double ratio = expected == 0 ? 0 : arrivals / (double) expected;
        double p99 = LatencySamples.percentileMs(sorted, 0.99);
        double serverSeconds = run.cpu().serverSeconds();
        long lost = disconnects.get() - disconnectsBefore;
        Step step = new Step();
        step.passed = ratio >= 0.99 && !Double.isNaN(p99) && p99 <= maxP99Ms && lost == 0;
        step.json.put("rate", rate).put("offeredPerSecond", round(offered / (double) seconds))
            .put("offeredMessagesPerSecond", round(expected / (double) seconds))
            .put("deliveredPerSecond", round(arrivals / (double) seconds)).put("deliveredRatio", round4(ratio))
            .put("p50Ms", round(LatencySamples.percentileMs(sorted, 0.50))).put("p99Ms", round(p99))
            .put("p999Ms", round(LatencySamples.percentileMs(sorted, 0.999)))
            .put("maxMs", round(latencies.maxMs())).put("latencySamples", sorted.length)
            .put("passed", step.passed).put("disconnects", lost).put("drainSec", round(drainSec))
            .put("generatorCpuCores", round(run.cpu().generatorSeconds() / seconds))
            .put("serverCpuCores", round(serverSeconds / seconds))
            .put("serverCpuUsPerDelivered", arrivals == 0 ? null : round(serverSeconds * 1e6 / arrivals))
            .put("stalledDisconnects", stalledDisconnects.get() - stalledDisconnectsBefore);
        if (sampled != null) {
            step.json.put("sampled", sampled);
        }
        if (!run.cpu().serverSecondsByThread().isEmpty()) {
            JsonObject groups = new JsonObject();
            run.cpu().serverSecondsByThread().forEach((group, cpuSeconds) -> groups.put(group, round(cpuSeconds / seconds)));
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
            long every = Props.longValue("rssSampleMs", 100);
            int healthPort = Props.integer("healthPort", 0);
            thread = new Thread(() -> {
                while (!done) {
                    long t = (System.nanoTime() - start) / 1_000_000;
                    long kb = ProcStats.rssKb(serverPid);
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
                HealthClient node = healthPort > 0 ? new HealthClient("127.0.0.1", healthPort, null) : null;
                while (!done && node != null) {
                    long t = (System.nanoTime() - start) / 1_000_000;
                    try {
                        JsonObject h = node.read();
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

        /** Stops; the samples and the peaks while records were produced (until {@code burstEnd}) and after. */
        JsonObject finish(long burstEnd) throws InterruptedException {
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

    static Double round(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : Math.round(value * 1000) / 1000.0;
    }

    static Double round4(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
