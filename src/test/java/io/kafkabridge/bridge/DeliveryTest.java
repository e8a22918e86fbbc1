package io.kafkabridge.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.stomp.Frame;
import io.vertx.ext.stomp.impl.FrameParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The STOMP MESSAGE frames a {@link Delivery} encodes once per message, read back with vertx-stomp's own parser.
 */
class DeliveryTest {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Sends {@code body} with {@code headers} over the local event bus and returns the received message. */
    private static Message<Object> receive(String address, Object body, DeliveryOptions headers) throws Exception {
        CompletableFuture<Message<Object>> received = new CompletableFuture<>();
        var consumer = vertx.eventBus().consumer(address, received::complete);
        consumer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.eventBus().send(address, body, headers);
        try {
            return received.get(10, TimeUnit.SECONDS);
        } finally {
            consumer.unregister();
        }
    }

    /** The delivery of a received message on an address followed since the epoch, no partition seen yet. */
    private static Delivery delivery(String address, Message<Object> message) {
        return new Delivery(address, message.body(), message.headers(), 0, Map.of());
    }

    private static Frame parse(Buffer wire) {
        List<Frame> frames = new ArrayList<>();
        FrameParser parser = new FrameParser().handler(frames::add);
        parser.handle(wire);
        assertThat(frames).hasSize(1);
        return frames.get(0);
    }

    @Test
    void aMessageAfterDroppedOnesCarriesTheCountAndOtherwiseTheSameFrame() throws Exception {
        DeliveryOptions headers = new DeliveryOptions().addHeader("kafka.topic", "orders").addHeader("kafka.offset", "7")
            .addHeader("kafka.key", "alice").addHeader("dropped", "forged");
        Message<Object> message = receive("user.alice.orders", new JsonObject().put("status", "shipped"), headers);
        Delivery delivery = delivery("user.alice.orders", message);

        Frame plain = parse(delivery.stompFrame(Delivery.encodeSubscriptionId("s"), 0, null));
        Frame afterDrops = parse(delivery.stompFrame(Delivery.encodeSubscriptionId("s"), 3, null));
        JsonObject sockJs = new JsonObject(delivery.sockJsFrame(2, null));

        assertThat(plain.getHeader("dropped")).as("a message header named dropped is not copied").isNull();
        assertThat(afterDrops.getHeader("dropped")).isEqualTo("3");
        assertThat(afterDrops.getHeader("kafka.offset")).isEqualTo("7");
        assertThat(afterDrops.getHeader("message-id")).isEqualTo(plain.getHeader("message-id"));
        assertThat(afterDrops.getBodyAsString()).isEqualTo(plain.getBodyAsString());
        assertThat(sockJs.getJsonObject("headers").getString("dropped")).isEqualTo("2");
        assertThat(new JsonObject(delivery.sockJsFrame()).getJsonObject("headers").containsKey("dropped"))
            .as("a record header named dropped is not passed on").isFalse();
        assertThat(delivery.position()).containsExactly(java.util.Map.entry("kafka.topic", "orders"), java.util.Map.entry("kafka.offset", "7"));
        assertThat(delivery.kafkaKey()).isEqualTo("alice");
        assertThat(delivery.stompFrameLength() + 1).isEqualTo(delivery.stompFrame(new byte[]{'s'}, 0, null).length());
    }

    @Test
    void encodesHeadersBodyAndTheSubscriptionOfEachSubscriber() throws Exception {
        DeliveryOptions headers = new DeliveryOptions().addHeader("kafka.topic", "orders").addHeader("kafka.key", "a:b\\c\nd")
            .addHeader("kafka.format", "json");
        Message<Object> message = receive("user.alice.orders", new JsonObject().put("status", "shipped"), headers);
        Delivery delivery = delivery("user.alice.orders", message);

        Frame first = parse(delivery.stompFrame(Delivery.encodeSubscriptionId("sub-0"), 0, null));
        Frame second = parse(delivery.stompFrame(Delivery.encodeSubscriptionId("a:b\nc"), 0, null));

        assertThat(first.getCommand().name()).isEqualTo("MESSAGE");
        assertThat(first.getHeader("destination")).isEqualTo("user.alice.orders");
        assertThat(first.getHeader("subscription")).isEqualTo("sub-0");
        assertThat(first.getHeader("kafka.topic")).isEqualTo("orders");
        assertThat(first.getHeader("kafka.key")).isEqualTo("a:b\\c\nd");
        assertThat(new JsonObject(first.getBodyAsString())).isEqualTo(new JsonObject().put("status", "shipped"));
        assertThat(first.getHeader("content-length")).isEqualTo(Integer.toString(first.getBody().length()));
        assertThat(second.getHeader("subscription")).isEqualTo("a:b\nc");
        assertThat(second.getHeader("message-id")).isEqualTo(first.getHeader("message-id")).isNotBlank();
        assertThat(second.getBodyAsString()).isEqualTo(first.getBodyAsString());
    }

    @Test
    void aLargeFrameSharesTheBodyBytesOfEverySubscriberInDirectMemory() throws Exception {
        String big = "b".repeat(4 * Delivery.SHARED_ABOVE_BYTES);
        Message<Object> message = receive("news", new JsonObject().put("big", big), new DeliveryOptions().addHeader("kafka.offset", "9"));
        Delivery delivery = delivery("news", message);

        Buffer first = delivery.stompFrame(Delivery.encodeSubscriptionId("s1"), 0, null);
        Buffer second = delivery.stompFrame(Delivery.encodeSubscriptionId("s2"), 4, null);

        ByteBuf firstBytes = ((BufferInternal) first).getByteBuf();
        ByteBuf secondBytes = ((BufferInternal) second).getByteBuf();
        assertThat(firstBytes.isDirect()).as("written by the socket without a copy").isTrue();
        ByteBuffer[] firstParts = firstBytes.nioBuffers();
        ByteBuffer[] secondParts = secondBytes.nioBuffers();
        assertThat(PlatformDependent.directBufferAddress(secondParts[secondParts.length - 1]))
            .as("the body's bytes are the same memory for both subscribers")
            .isEqualTo(PlatformDependent.directBufferAddress(firstParts[firstParts.length - 1]));
        Frame one = parse(first);
        Frame two = parse(second);
        assertThat(new JsonObject(one.getBodyAsString()).getString("big")).isEqualTo(big);
        assertThat(two.getBodyAsString()).isEqualTo(one.getBodyAsString());
        assertThat(one.getHeader("subscription")).isEqualTo("s1");
        assertThat(two.getHeader("subscription")).isEqualTo("s2");
        assertThat(two.getHeader("dropped")).isEqualTo("4");
        assertThat(two.getHeader("kafka.offset")).isEqualTo("9");
        assertThat(first.length()).isEqualTo(delivery.stompFrameLength() + 2);
    }

    @Test
    void aSmallFrameIsOneBufferOfItsOwn() throws Exception {
        Message<Object> message = receive("news", "small", new DeliveryOptions());
        Delivery delivery = delivery("news", message);

        Buffer frame = delivery.stompFrame(Delivery.encodeSubscriptionId("s"), 0, null);

        assertThat(((BufferInternal) frame).getByteBuf().nioBufferCount()).isEqualTo(1);
        assertThat(parse(frame).getBodyAsString()).isEqualTo("small");
    }

    @Test
    void messageIdsDifferBetweenMessages() throws Exception {
        Message<Object> one = receive("news", "one", new DeliveryOptions());
        Message<Object> two = receive("news", "two", new DeliveryOptions());

        String firstId = parse(delivery("news", one).stompFrame(Delivery.encodeSubscriptionId("s"), 0, null)).getHeader("message-id");
        String secondId = parse(delivery("news", two).stompFrame(Delivery.encodeSubscriptionId("s"), 0, null)).getHeader("message-id");

        assertThat(firstId).isNotEqualTo(secondId);
    }

    @Test
    void headersTheBridgeSetsCannotBeOverriddenByMessageHeaders() throws Exception {
        DeliveryOptions headers = new DeliveryOptions().addHeader("destination", "elsewhere").addHeader("subscription", "forged")
            .addHeader("message-id", "forged").addHeader("content-length", "1").addHeader("ack", "forged")
            .addHeader("custom", "first").addHeader("custom", "second");
        Message<Object> message = receive("news", "hello", headers);

        Buffer wire = delivery("news", message).stompFrame(Delivery.encodeSubscriptionId("s1"), 0, null);
        Frame frame = parse(wire);

        assertThat(frame.getHeader("destination")).isEqualTo("news");
        assertThat(frame.getHeader("subscription")).isEqualTo("s1");
        assertThat(frame.getHeader("message-id")).isNotEqualTo("forged");
        assertThat(frame.getHeader("content-length")).isEqualTo("5");
        assertThat(frame.getHeader("ack")).isNull();
        assertThat(frame.getHeader("custom")).isEqualTo("first");
        assertThat(wire.toString()).containsOnlyOnce("custom:").containsOnlyOnce("destination:");
        assertThat(frame.getBodyAsString()).isEqualTo("hello");
    }

    @Test
    void aHeaderWithANulCannotEndTheFrameEarlyAndReservedNamesInAnyCaseAreNotCopied() throws Exception {
        // the attack: a NUL ends the MESSAGE early, and what follows reads as a RECEIPT for the victim's receipt id
        DeliveryOptions headers = new DeliveryOptions().addHeader("x", "a\u0000RECEIPT\nreceipt-id:r-victim\n\n")
            .addHeader("y\u0000ERROR", "z").addHeader("Content-Length", "1").addHeader("SUBSCRIPTION", "forged")
            .addHeader("Message-Id", "forged").addHeader("kept", "yes");
        Message<Object> message = receive("news", "hello", headers);

        Buffer wire = delivery("news", message).stompFrame(Delivery.encodeSubscriptionId("s1"), 0, null);

        assertThat(wire.toString()).doesNotContain("\u0000RECEIPT").doesNotContain("ERROR").endsWith("hello\u0000");
        assertThat(wire.toString().indexOf('\u0000')).as("the only NUL ends the frame").isEqualTo(wire.length() - 1);
        Frame frame = parse(wire);
        assertThat(frame.getHeader("x")).isNull();
        assertThat(frame.getHeader("kept")).isEqualTo("yes");
        assertThat(frame.getHeader("subscription")).isEqualTo("s1");
        assertThat(wire.toString()).doesNotContainIgnoringCase("forged").doesNotContain("Content-Length");
        assertThat(frame.getBodyAsString()).isEqualTo("hello");
    }

    @Test
    void aNullBodyHasNoContentLengthAndAnEmptyBody() throws Exception {
        Message<Object> message = receive("news", null, new DeliveryOptions());

        Frame frame = parse(delivery("news", message).stompFrame(Delivery.encodeSubscriptionId("s"), 0, null));

        assertThat(frame.getHeader("content-length")).isNull();
        assertThat(frame.getBody() == null || frame.getBody().length() == 0).isTrue();
    }

    @Test
    void escapesBackslashCarriageReturnLineFeedAndColon() {
        assertThat(Delivery.escapeStompHeader("plain")).isEqualTo("plain");
        assertThat(Delivery.escapeStompHeader("a\\b\rc\nd:e")).isEqualTo("a\\\\b\\rc\\nd\\ce");
    }

    @Test
    void messagesOfOnePartitionShareOneTopicPartitionAndOddPositionsAreStillRead() {
        io.vertx.core.MultiMap first = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("kafka.topic", new String("orders"))
            .add("kafka.partition", "3").add("kafka.offset", "10");
        io.vertx.core.MultiMap second = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("kafka.topic", new String("orders"))
            .add("kafka.partition", "3").add("kafka.offset", "11");
        Delivery a = new Delivery("a", null, first, 0, Map.of());
        Delivery b = new Delivery("b", null, second, 0, Map.of());
        assertThat(a.partition()).isEqualTo(new org.apache.kafka.common.TopicPartition("orders", 3)).isSameAs(b.partition());
        assertThat(b.offset()).isEqualTo(11);
        // headers published on the bus by others: read as they are, not cached
        for (String partition : List.of("-1", "2000000000")) {
            io.vertx.core.MultiMap odd = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("kafka.topic", "t")
                .add("kafka.partition", partition).add("kafka.offset", "1");
            assertThat(new Delivery("c", null, odd, 0, Map.of()).partition().partition()).isEqualTo(Integer.parseInt(partition));
        }
    }

    @Test
    void theHeadersTheBridgeReadsAreFoundInAnyCaseAndTheFirstOfARepeatedNameWinsAsOnTheBus() throws Exception {
        io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
            .add("Kafka.Topic", "orders").add("KAFKA.PARTITION", "2").add("kafka.offset", "41").add("kafka.offset", "99")
            .add("kafka.Timestamp", "1700000000000").add("kafka.key", "alice").add("kafka.key", "bob")
            .add("Slow-Client-Policy", "drop-oldest").add("x-trace", "t1").add("x-trace", "t2");
        Delivery delivery = new Delivery("a", "text", headers, 0, Map.of());

        assertThat(delivery.partition()).isEqualTo(new org.apache.kafka.common.TopicPartition("orders", 2));
        assertThat(delivery.offset()).isEqualTo(41).isEqualTo(Long.parseLong(headers.get("kafka.offset")));
        assertThat(delivery.timestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(delivery.kafkaKey()).isEqualTo("alice").isEqualTo(headers.get("kafka.key"));
        assertThat(delivery.routePolicy()).isEqualTo(io.kafkabridge.delivery.SlowClientPolicy.DROP_OLDEST);
        Frame frame = parse(delivery.stompFrame(Delivery.encodeSubscriptionId("s"), 0, null));
        assertThat(frame.getHeader("x-trace")).isEqualTo("t1");
        assertThat(frame.getHeader("kafka.key")).isEqualTo("alice");
        assertThat(new String(frame.getBodyAsByteArray(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("text");
    }

    @Test
    void aHeaderNameThatOnlyUnicodeCaseFoldingMakesReservedIsNotTakenForTheRoutersOwn() {
        // as RecordRouter writes them: the record's own headers first, the router's kafka.* after
        io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
            .add("kafka.off\u017Fet", "9999999").add("\u212Aafka.key", "mallory").add("kafka.topic", "orders")
            .add("kafka.partition", "0").add("kafka.offset", "7").add("kafka.key", "alice");
        Delivery delivery = new Delivery("a", null, headers, 0, Map.of());

        assertThat(delivery.offset()).isEqualTo(7);
        assertThat(delivery.kafkaKey()).isEqualTo("alice");
    }
}
