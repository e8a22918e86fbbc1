package io.kafkabridge.bridge;

import io.kafkabridge.delivery.Replay;
import io.kafkabridge.delivery.ReplayPacer;
import io.kafkabridge.delivery.ReplaySource;
import io.kafkabridge.delivery.ResumeToken;
import io.kafkabridge.delivery.Since;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.kafkabridge.routing.RoutedMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * One subscription's messages on their way to its connection: the address's live messages, preceded by a replay from
 * Kafka when the subscription asked for one ({@code since}), and the switch from one to the other with no gap and no
 * duplicate. While the replay is read, live messages wait here; the replay goes to the connection's queue as it has
 * room (a replay never overflows it); then the waiting live messages follow, without those the replay already
 * delivered, and every live message of a partition below where the replay ended is left out until the live stream has
 * passed it.
 * <p>
 * Every message carries the subscription's position after it ({@code resume}): the address's on this node, raised to
 * where the replay ended for the partitions the live stream has not passed yet.
 * <p>
 * Confined to the connection's event loop.
 */
final class SubscriptionStream implements AddressFanout.Subscriber {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionStream.class);
    /** Replayed messages offered in one event-loop task. */
    static final int REPLAY_SLICE = 16;

    private final String client;
    private final String address;
    private final SlowClientPolicy policy;
    private final byte[] stompId;
    private final ConnectionOutbound outbound;
    private final Predicate<Delivery> accepts;
    private final BooleanSupplier isOpen;
    private final int maxWaiting;
    /** Live messages that arrived during the replay, or {@code null} when none is under way. */
    private ArrayDeque<Delivery> waiting;
    /** Where the replay ended, per partition the live stream has not passed yet; {@code null} when none. */
    private Map<TopicPartition, Long> floor;
    /** The replay's gap message, sent before its messages, or {@code null}. */
    private Delivery gap;
    /** The replay's messages, each made a delivery as it goes out. */
    private List<RoutedMessage> replayed;
    private int next;
    /** The subscription's position after the last replayed message that went out. */
    private Map<TopicPartition, Long> progress;
    private long replayBaselineMs;
    private boolean cancelled;
    private String lastWritten;
    /** The connection's event loop, for replaying a slice at a time. */
    private Context context;
    private ReplayPacer pacer;

    /**
     * @param stompId the STOMP subscription id (escaped, UTF-8), or {@code null} on SockJS
     * @param accepts whether a message may go to the client now (connection open, token valid, rules permit it)
     * @param isOpen  whether the connection still takes messages
     */
    SubscriptionStream(String client, String address, SlowClientPolicy policy, byte[] stompId, ConnectionOutbound outbound,
                       Predicate<Delivery> accepts, BooleanSupplier isOpen, int maxWaiting) {
        this.client = client;
        this.address = address;
        this.policy = policy;
        this.stompId = stompId;
        this.outbound = outbound;
        this.accepts = accepts;
        this.isOpen = isOpen;
        this.maxWaiting = maxWaiting;
    }

    String address() {
        return address;
    }

    SlowClientPolicy policy() {
        return policy;
    }

    /**
     * @return the {@code resume} token of the last message written to the connection, or {@code null}
     */
    String lastWritten() {
        return lastWritten;
    }

    void written(String token) {
        lastWritten = token;
    }

    /**
     * Registers the subscription for the address's live messages, then, when it asked for one, reads its replay: the
     * live messages wait until the replay went out.
     *
     * @param since the replay asked for, or {@code null}
     * @return completes once the subscription receives live messages
     */
    Future<Void> start(AddressFanout fanout, ReplaySource replays, ReplayPacer pacer, Since since) {
        context = Vertx.currentContext();
        this.pacer = pacer;
        if (since != null) {
            waiting = new ArrayDeque<>();
        }
        return fanout.subscribe(address, this).onSuccess(v -> {
            if (since != null && !cancelled) {
                replays.replay(address, since).onComplete(replay -> {
                    if (replay.succeeded()) {
                        replayed(replay.result());
                    } else {
                        replayFailed(replay.cause(), since.token() != null ? since.token().baselineMs() : since.timeMs());
                    }
                });
            }
        });
    }

    /**
     * The subscription ended: nothing more goes out, a replay under way is dropped.
     */
    void cancel() {
        cancelled = true;
        waiting = null;
        replayed = null;
        gap = null;
    }

    @Override
    public void deliver(Delivery delivery) {
        if (cancelled || !accepts.test(delivery)) {
            return;
        }
        if (waiting != null) {
            waiting.add(delivery);
            if (waiting.size() > maxWaiting) {
                LOG.warn("Client {}: {} live messages arrived on {} while its replay was under way; disconnecting it "
                    + "with slow_consumer (it resumes from its last position)", client, waiting.size(), address);
                outbound.disconnectSlow(message(delivery, null));
                cancel();
            }
            return;
        }
        sendLive(delivery);
    }

    private void sendLive(Delivery delivery) {
        String resume = null;
        if (floor != null) {
            TopicPartition partition = delivery.partition();
            Long from = partition == null ? null : floor.get(partition);
            if (from != null) {
                if (delivery.offset() < from) {
                    return; // the replay delivered it
                }
                floor.remove(partition);
            }
            resume = ownToken(delivery);
            if (floor.isEmpty()) {
                floor = null;
            }
        }
        outbound.offer(message(delivery, resume), policy);
    }

    /**
     * @return the address's positions after the message raised to the replay's end where the live stream is behind,
     * or {@code null} when the address's token says as much
     */
    private String ownToken(Delivery delivery) {
        Map<TopicPartition, Long> positions = delivery.positionsAfter();
        boolean behind = false;
        for (Map.Entry<TopicPartition, Long> entry : floor.entrySet()) {
            Long live = positions.get(entry.getKey());
            if (live == null || live < entry.getValue()) {
                behind = true;
                break;
            }
        }
        return behind ? new ResumeToken(delivery.baselineMs(), positions).merge(floor).encode() : null;
    }

    private OutboundMessage message(Delivery delivery, String resume) {
        return stompId == null ? OutboundMessage.forSockJs(delivery, resume, this)
            : OutboundMessage.forStomp(delivery, stompId, resume, this);
    }

    /**
     * The replay was read: its gap message and messages go out as the connection's queue has room, then the live
     * messages that waited. Each message becomes a delivery only when it goes out: a burst of replays completing at
     * once costs the event loop nothing until their turn comes.
     */
    private void replayed(Replay replay) {
        if (cancelled) {
            return;
        }
        progress = new HashMap<>(replay.start());
        replayBaselineMs = replay.baselineMs();
        gap = replay.gap() == null ? null : Delivery.gap(address, replay.gap(), replay.baselineMs(), Map.copyOf(progress));
        replayed = replay.messages();
        floor = new HashMap<>(replay.end());
        next = 0;
        pushReplayed();
    }

    /**
     * The replay could not be read: the client is told through a gap message, then gets the live stream.
     */
    private void replayFailed(Throwable cause, long baselineMs) {
        if (cancelled) {
            return;
        }
        JsonObject why = new JsonObject().put("reason", Replay.UNAVAILABLE).put("missing", -1)
            .put("message", "the replay of " + address + " could not be read: " + cause.getMessage());
        gap = Delivery.gap(address, why, baselineMs, Map.of());
        replayed = List.of();
        floor = null;
        next = 0;
        pushReplayed();
    }

    private void pushReplayed() {
        if (cancelled || replayed == null) {
            return;
        }
        int slice = 0;
        boolean paced = false;
        while ((gap != null || next < replayed.size()) && outbound.hasRoom() && slice++ < REPLAY_SLICE) {
            if (pacer != null && !pacer.tryTake()) {
                paced = true;
                break;
            }
            if (gap != null) {
                // the gap message is the bridge's own: only the connection's state decides
                if (isOpen.getAsBoolean()) {
                    outbound.offer(message(gap, null), SlowClientPolicy.DISCONNECT);
                }
                gap = null;
                continue;
            }
            Delivery delivery = replayedDelivery(replayed.get(next++));
            if (accepts.test(delivery)) {
                outbound.offer(message(delivery, null), SlowClientPolicy.DISCONNECT);
            }
        }
        if (gap != null || next < replayed.size()) {
            if (paced) {
                // resume.maxReplayedPerSecond: the replays of this loop wait their turn
                pacer.await(this::pushReplayed);
            } else if (outbound.hasRoom() && context != null) {
                // a slice at a time: the event loop's other work (live messages to everyone) goes in between
                context.runOnContext(v -> pushReplayed());
            } else {
                outbound.whenRoom(this::pushReplayed);
            }
            return;
        }
        progress = null;
        replayed = null;
        ArrayDeque<Delivery> live = waiting;
        waiting = null;
        if (floor != null && floor.isEmpty()) {
            floor = null;
        }
        while (live != null && !live.isEmpty() && !cancelled) {
            sendLive(live.poll());
        }
    }

    /**
     * @return the replayed message as a delivery placed after the subscription's position so far
     */
    private Delivery replayedDelivery(RoutedMessage message) {
        Delivery delivery = new Delivery(address, message.body(), message.headers(), replayBaselineMs, Map.of());
        if (delivery.partition() != null) {
            progress.merge(delivery.partition(), delivery.offset() + 1, Math::max);
        }
        delivery.placeAfter(Map.copyOf(progress));
        return delivery;
    }
}
