package io.kafkabridge.bridge;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AddressFanout} on a real event bus: every subscriber gets each message once, also when subscribers come and go
 * while a message is being handed out (a client closing during a write).
 */
class AddressFanoutTest {

    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs {@code action} on one event-loop context (the fan-out is confined to one) and waits for it. */
    private <T> T onContext(java.util.concurrent.Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            try {
                result.complete(action.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void subscribersLeavingAndJoiningDuringADeliveryNeitherBreakItNorGetDuplicates() throws Exception {
        List<String> log = new ArrayList<>();
        CompletableFuture<Void> secondMessage = new CompletableFuture<>();
        AddressFanout fanout = new AddressFanout(vertx);
        AddressFanout.Subscriber[] subscribers = new AddressFanout.Subscriber[4];
        subscribers[3] = delivery -> {
            log.add("late:" + delivery.body());
            if ("two".equals(delivery.body())) {
                secondMessage.complete(null);
            }
        };
        // a leaves during the first message and takes b with it; c stays; late joins during the first message
        subscribers[0] = delivery -> {
            log.add("a:" + delivery.body());
            fanout.unsubscribe("news", subscribers[0]);
            fanout.unsubscribe("news", subscribers[1]);
            fanout.subscribe("news", subscribers[3]);
        };
        subscribers[1] = delivery -> log.add("b:" + delivery.body());
        subscribers[2] = delivery -> log.add("c:" + delivery.body());
        CompletableFuture<Void> registered = onContext(() -> {
            fanout.subscribe("news", subscribers[0]);
            fanout.subscribe("news", subscribers[1]);
            return fanout.subscribe("news", subscribers[2]).toCompletionStage().toCompletableFuture();
        });
        registered.get(10, TimeUnit.SECONDS);

        vertx.eventBus().publish("news", "one");
        vertx.eventBus().publish("news", "two");
        secondMessage.get(10, TimeUnit.SECONDS);

        List<String> seen = onContext(() -> new ArrayList<>(log));
        assertThat(seen).containsExactly("a:one", "c:one", "c:two", "late:two");
        assertThat(onContext(fanout::subscriptionCount)).isEqualTo(2);
        assertThat(onContext(fanout::addressCount)).isEqualTo(1);
    }

    @Test
    void theLastSubscriberLeavingDuringADeliveryUnregistersTheAddress() throws Exception {
        AddressFanout fanout = new AddressFanout(vertx);
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        AddressFanout.Subscriber[] only = new AddressFanout.Subscriber[1];
        only[0] = delivery -> {
            fanout.unsubscribe("news", only[0]);
            delivered.complete(null);
        };
        onContext(() -> fanout.subscribe("news", only[0]).toCompletionStage().toCompletableFuture()).get(10, TimeUnit.SECONDS);

        vertx.eventBus().publish("news", "one");
        delivered.get(10, TimeUnit.SECONDS);

        assertThat(onContext(fanout::addressCount)).isZero();
        assertThat(onContext(fanout::subscriptionCount)).isZero();
    }
}
