package io.kafkabridge.routing;

import io.kafkabridge.config.RouteOptions;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Stream;

import static io.kafkabridge.routing.RecordRouter.HEADER_FORMAT;
import static io.kafkabridge.routing.RecordRouter.HEADER_KEY;
import static io.kafkabridge.routing.RecordRouter.HEADER_OFFSET;
import static io.kafkabridge.routing.RecordRouter.HEADER_PARTITION;
import static io.kafkabridge.routing.RecordRouter.HEADER_TIMESTAMP;
import static io.kafkabridge.routing.RecordRouter.HEADER_TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

class RecordRouterTest {

    // ---- helpers ----

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static RouteOptions topicRoute(String topic, String address) {
        return new RouteOptions().setTopic(topic).setAddress(address);
    }

    private static RouteOptions topicRoute(String topic, String address, PayloadFormat format) {
        return topicRoute(topic, address).setFormat(format);
    }

    private static RouteOptions patternRoute(String pattern, String address) {
        return new RouteOptions().setTopicPattern(pattern).setAddress(address);
    }

    private static RecordRouter router(RouteOptions... routes) {
        return new RecordRouter(List.of(routes));
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 0, 0L, utf8(key), value);
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return record(topic, key, utf8(value));
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, long timestamp,
                                                         String key, String value, RecordHeaders headers) {
        return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME,
            -1, -1, utf8(key), utf8(value), headers, Optional.empty());
    }

    private static RoutedMessage onlyMessage(RoutingResult result) {
        assertThat(result.messages()).hasSize(1);
        return result.messages().get(0);
    }

    private static RoutedMessage routeJson(String value) {
        return onlyMessage(router(topicRoute("t", "a")).route(record("t", "k", value)));
    }

    // ---- topic matching ----

    @Test
    void exactTopicRouteDeliversToItsAddress() {
        RoutingResult result = router(topicRoute("orders.status", "user.{key}.orders")).route(record("orders.status", "alice", "{}"));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.address()).isEqualTo("user.alice.orders");
        assertThat(message.routeIndex()).isZero();
        assertThat(result.isUnroutable()).isFalse();
        assertThat(result.unfilledRoutes()).isEmpty();
        assertThat(result.invalidJson()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "orders.status.x", "xorders.status", "orders.statu", "ORDERS.STATUS"})
    void exactTopicRouteIgnoresOtherTopics(String topic) {
        RoutingResult result = router(topicRoute("orders.status", "a")).route(record(topic, "k", "{}"));

        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.unfilledRoutes()).isEmpty();
    }

    @Test
    void aRecordWhoseAddressWouldBeReservedIsUnroutable() {
        RoutingResult result = router(topicRoute("raw", "{key}")).route(record("raw", "kafka-eventbus-bridge.node.reconnect-clients", "{}"));

        assertThat(result.messages()).isEmpty();
        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.unfilledRoutes()).containsExactly(0);
    }

    @Test
    void aRecordWhoseAddressWouldBeANodeAddressIsUnroutable() {
        RecordRouter router = new RecordRouter(List.of(topicRoute("raw", "{key}")), Set.of("gateway.stats"));

        RoutingResult result = router.route(record("raw", "gateway.stats", "{}"));
        assertThat(result.messages()).isEmpty();
        assertThat(result.unfilledRoutes()).containsExactly(0);
        assertThat(router.route(record("raw", "gateway.statsx", "{}")).messages()).extracting(RoutedMessage::address)
            .containsExactly("gateway.statsx");
    }

    @Test
    void exactTopicIsNotTreatedAsRegex() {
        RoutingResult result = router(topicRoute("a.b", "x")).route(record("aXb", "k", "{}"));

        assertThat(result.isUnroutable()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat.room1", "chat.x", "chat.a.b"})
    void topicPatternRouteMatchesWholeTopicName(String topic) {
        RoutingResult result = router(patternRoute("chat\\..+", "chat.{topic}")).route(record(topic, "k", "{}"));

        assertThat(onlyMessage(result).address()).isEqualTo("chat." + topic);
    }

    @ParameterizedTest
    @ValueSource(strings = {"xchat.room1", "chat.", "chat", "chatroom1", "a.chat.room1"})
    void topicPatternRouteRejectsPartialMatches(String topic) {
        RoutingResult result = router(patternRoute("chat\\..+", "a")).route(record(topic, "k", "{}"));

        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.unfilledRoutes()).isEmpty();
    }

    @Test
    void recordMatchingTwoRoutesGivesTwoMessagesInRouteOrder() {
        RecordRouter router = router(
            topicRoute("chat.room1", "room.{key}"),
            topicRoute("other", "never"),
            patternRoute("chat\\..+", "all.{topic}"));

        RoutingResult result = router.route(record("chat.room1", "bob", "{\"m\":1}"));

        assertThat(result.messages()).extracting(RoutedMessage::address).containsExactly("room.bob", "all.chat.room1");
        assertThat(result.messages()).extracting(RoutedMessage::routeIndex).containsExactly(0, 2);
        assertThat(result.messages()).extracting(m -> ((JsonBytes) m.body()).decoded())
            .containsExactly(new JsonObject().put("m", 1), new JsonObject().put("m", 1));
    }

    @Test
    void aRouteThatNamesASlowClientPolicyMarksItsMessagesAndOthersDoNot() {
        RecordRouter router = router(topicRoute("prices", "prices.{key}").setSlowClientPolicy(SlowClientPolicy.CONFLATE),
            topicRoute("prices", "audit.prices"));

        List<RoutedMessage> messages = router.route(record("prices", "EURUSD", "{\"bid\":1.1}")).messages();

        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).headers().get(RecordRouter.HEADER_SLOW_CLIENT_POLICY)).isEqualTo("conflate");
        assertThat(messages.get(1).headers().contains(RecordRouter.HEADER_SLOW_CLIENT_POLICY)).isFalse();
    }

    @Test
    void twoMatchingRoutesWithDifferentFormatsEachGetTheirOwnBody() {
        RecordRouter router = router(
            topicRoute("t", "as.json", PayloadFormat.JSON),
            topicRoute("t", "as.string", PayloadFormat.STRING),
            topicRoute("t", "as.base64", PayloadFormat.BASE64));

        RoutingResult result = router.route(record("t", "k", "[1]"));

        assertThat(result.messages()).extracting(m -> m.body().toString())
            .containsExactly("[1]", "[1]", Base64.getEncoder().encodeToString(utf8("[1]")));
        assertThat(result.messages().get(0).body()).isInstanceOf(JsonBytes.class);
        assertThat(result.messages().get(1).body()).isInstanceOf(String.class);
        assertThat(result.messages()).extracting(m -> m.headers().get(HEADER_FORMAT))
            .containsExactly("json", "string", "base64");
    }

    @Test
    void messagesOfTwoRoutesHaveIndependentHeaders() {
        RoutingResult result = router(topicRoute("t", "a"), topicRoute("t", "b")).route(record("t", "k", "{}"));

        result.messages().get(0).headers().set("extra", "1");

        assertThat(result.messages().get(1).headers().contains("extra")).isFalse();
    }

    @Test
    void recordWithoutRouteIsUnroutableWithNoUnfilledRoutes() {
        RoutingResult result = router(topicRoute("orders.status", "a"), patternRoute("chat\\..+", "b"))
            .route(record("metrics", "k", "{}"));

        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.messages()).isEmpty();
        assertThat(result.unfilledRoutes()).isEmpty();
        assertThat(result.invalidJson()).isFalse();
    }

    // ---- unfilled templates ----

    @Test
    void nullKeyWithKeyRouteReportsTheUnfilledRouteIndex() {
        RecordRouter router = router(topicRoute("other", "x"), topicRoute("orders.status", "user.{key}.orders"));

        RoutingResult result = router.route(record("orders.status", null, "{}"));

        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.unfilledRoutes()).containsExactly(1);
    }

    @Test
    void unfilledRouteDoesNotStopOtherMatchingRoutes() {
        RecordRouter router = router(topicRoute("t", "user.{key}"), topicRoute("t", "all"), topicRoute("t", "{header:tenant}"));

        RoutingResult result = router.route(record("t", null, "{}"));

        assertThat(result.isUnroutable()).isFalse();
        assertThat(result.messages()).extracting(RoutedMessage::address).containsExactly("all");
        assertThat(result.unfilledRoutes()).containsExactly(0, 2);
    }

    @Test
    void missingHeaderWithHeaderRouteIsUnfilled() {
        RoutingResult result = router(topicRoute("t", "tenant.{header:tenant}"))
            .route(record("t", 0, 0L, 0L, "k", "{}", new RecordHeaders()));

        assertThat(result.isUnroutable()).isTrue();
        assertThat(result.unfilledRoutes()).containsExactly(0);
    }

    // ---- json format ----

    static Stream<Arguments> jsonValues() {
        return Stream.of(
            Arguments.of("{\"a\":1,\"b\":[true]}", new JsonObject().put("a", 1).put("b", new JsonArray().add(true))),
            Arguments.of("[1,\"x\",null]", new JsonArray().add(1).add("x").addNull()),
            Arguments.of("42", 42),
            Arguments.of("-7", -7),
            Arguments.of("4294967296", 4294967296L),
            Arguments.of("1.5", 1.5d),
            Arguments.of("\"hello\"", "hello"),
            Arguments.of("true", true),
            Arguments.of("false", false),
            Arguments.of("  {\"a\" : 1}\n", new JsonObject().put("a", 1)));
    }

    @ParameterizedTest
    @MethodSource("jsonValues")
    void jsonValueIsPassedThroughAsItsBytesAndDecodesToTheVertxType(String value, Object expected) {
        RoutedMessage message = routeJson(value);

        assertThat(message.body()).isInstanceOf(JsonBytes.class);
        assertThat(message.body().toString()).isEqualTo(value);
        Object decoded = ((JsonBytes) message.body()).decoded();
        assertThat(decoded).isEqualTo(expected);
        assertThat(decoded).isExactlyInstanceOf(expected.getClass());
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("json");
    }

    @Test
    void jsonNullLiteralIsPassedThrough() {
        RoutingResult result = router(topicRoute("t", "a")).route(record("t", "k", "null"));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.body().toString()).isEqualTo("null");
        assertThat(((JsonBytes) message.body()).decoded()).isNull();
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("json");
        assertThat(result.invalidJson()).isFalse();
    }

    @Test
    void validJsonIsNotReportedInvalid() {
        assertThat(router(topicRoute("t", "a")).route(record("t", "k", "{\"a\":1}")).invalidJson()).isFalse();
    }

    @Test
    void jsonIsTheDefaultFormat() {
        assertThat(routeJson("{\"a\":1}").body()).isInstanceOf(JsonBytes.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{oops", "abc", "{\"a\":1}x", "{\"a\":1} {\"b\":2}", "1 2", "[1]]", "123abc", "", "   "})
    void invalidJsonIsDeliveredAsStringAndReported(String value) {
        RoutingResult result = router(topicRoute("t", "a")).route(record("t", "k", value));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.body()).isEqualTo(value);
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("string");
        assertThat(result.invalidJson()).isTrue();
    }

    @Test
    void invalidJsonIsNotReportedForStringRoutes() {
        RoutingResult result = router(topicRoute("t", "a", PayloadFormat.STRING)).route(record("t", "k", "{oops"));

        assertThat(result.invalidJson()).isFalse();
        assertThat(onlyMessage(result).body()).isEqualTo("{oops");
    }

    @Test
    void invalidJsonIsReportedWhenOnlyOneOfTheRoutesIsJson() {
        RoutingResult result = router(topicRoute("t", "s", PayloadFormat.STRING), topicRoute("t", "j", PayloadFormat.JSON))
            .route(record("t", "k", "abc"));

        assertThat(result.invalidJson()).isTrue();
        assertThat(result.messages()).extracting(m -> m.headers().get(HEADER_FORMAT)).containsExactly("string", "string");
    }

    // ---- string and base64 formats ----

    @ParameterizedTest
    @ValueSource(strings = {"plain text", "{\"a\":1}", "42", "zoë ✓ 日本", ""})
    void stringFormatKeepsText(String value) {
        RoutedMessage message = onlyMessage(router(topicRoute("t", "a", PayloadFormat.STRING)).route(record("t", "k", value)));

        assertThat(message.body()).isEqualTo(value);
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("string");
    }

    @Test
    void base64FormatEncodesTheRawBytes() {
        byte[] value = {(byte) 0xff, 0x00, 0x41, (byte) 0x80, (byte) 0xfe};

        RoutedMessage message = onlyMessage(router(topicRoute("t", "a", PayloadFormat.BASE64)).route(record("t", "k", value)));

        assertThat(message.body()).isEqualTo("/wBBgP4=");
        assertThat(Base64.getDecoder().decode((String) message.body())).isEqualTo(value);
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("base64");
    }

    @Test
    void base64FormatOfEmptyValueIsEmptyString() {
        RoutedMessage message = onlyMessage(router(topicRoute("t", "a", PayloadFormat.BASE64)).route(record("t", "k", new byte[0])));

        assertThat(message.body()).isEqualTo("");
    }

    @Test
    void nonUtf8BytesInJsonRouteAreDeliveredAsStringAndReported() {
        RoutingResult result = router(topicRoute("t", "a")).route(record("t", "k", new byte[]{(byte) 0xff, 0x00}));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.body()).isInstanceOf(String.class);
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("string");
        assertThat(result.invalidJson()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(PayloadFormat.class)
    void tombstoneGivesNullBody(PayloadFormat format) {
        RoutingResult result = router(topicRoute("t", "user.{key}", format)).route(record("t", "alice", (byte[]) null));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.address()).isEqualTo("user.alice");
        assertThat(message.body()).isNull();
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo(format.configName());
        assertThat(result.invalidJson()).isFalse();
    }

    // ---- headers ----

    @Test
    void kafkaHeadersAreAlwaysSet() {
        RoutedMessage message = onlyMessage(router(topicRoute("orders.status", "a"))
            .route(record("orders.status", 2, 12345L, 1_700_000_000_123L, "alice", "{}", new RecordHeaders())));

        assertThat(message.headers().get(HEADER_TOPIC)).isEqualTo("orders.status");
        assertThat(message.headers().get(HEADER_PARTITION)).isEqualTo("2");
        assertThat(message.headers().get(HEADER_OFFSET)).isEqualTo("12345");
        assertThat(message.headers().get(HEADER_TIMESTAMP)).isEqualTo("1700000000123");
        assertThat(message.headers().get(HEADER_KEY)).isEqualTo("alice");
        assertThat(message.headers().get(HEADER_FORMAT)).isEqualTo("json");
    }

    @Test
    void keyHeaderIsUtf8Text() {
        RoutedMessage message = onlyMessage(router(topicRoute("t", "a")).route(record("t", "zoë", "{}")));

        assertThat(message.headers().get(HEADER_KEY)).isEqualTo("zoë");
    }

    @Test
    void keyHeaderIsAbsentForNullKey() {
        RoutedMessage message = onlyMessage(router(topicRoute("t", "a")).route(record("t", null, "{}")));

        assertThat(message.headers().contains(HEADER_KEY)).isFalse();
        assertThat(message.headers().get(HEADER_TOPIC)).isEqualTo("t");
    }

    @Test
    void recordHeadersAreCopiedAsUtf8() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", utf8("acme"));
        headers.add("city", utf8("zürich"));
        headers.add("multi", utf8("one"));
        headers.add("multi", utf8("two"));
        headers.add("nothing", null);

        RoutedMessage message = onlyMessage(router(topicRoute("t", "a")).route(record("t", 0, 0L, 0L, "k", "{}", headers)));

        assertThat(message.headers().get("tenant")).isEqualTo("acme");
        assertThat(message.headers().get("city")).isEqualTo("zürich");
        assertThat(message.headers().getAll("multi")).containsExactly("one", "two");
        assertThat(message.headers().get("nothing")).isEmpty();
    }

    @Test
    void recordHeaderCannotOverrideReservedKafkaHeaders() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_TOPIC, utf8("fake.topic"));
        headers.add("KAFKA.PARTITION", utf8("99"));
        headers.add(HEADER_OFFSET, utf8("-5"));
        headers.add(HEADER_FORMAT, utf8("xml"));

        RoutedMessage message = onlyMessage(router(topicRoute("real.topic", "a"))
            .route(record("real.topic", 3, 8L, 9L, "k", "{}", headers)));

        assertThat(message.headers().getAll(HEADER_TOPIC)).containsExactly("real.topic");
        assertThat(message.headers().getAll(HEADER_PARTITION)).containsExactly("3");
        assertThat(message.headers().getAll(HEADER_OFFSET)).containsExactly("8");
        assertThat(message.headers().getAll(HEADER_FORMAT)).containsExactly("json");
    }

    @Test
    void recordHeaderCannotForgeKeyHeaderForNullKey() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_KEY, utf8("mallory"));

        RoutedMessage message = onlyMessage(router(topicRoute("t", "a")).route(record("t", 0, 0L, 0L, null, "{}", headers)));

        assertThat(message.headers().contains(HEADER_KEY)).isFalse();
    }

    @Test
    void recordHeaderCannotOverrideRealKey() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_KEY, utf8("mallory"));

        RoutedMessage message = onlyMessage(router(topicRoute("t", "a")).route(record("t", 0, 0L, 0L, "alice", "{}", headers)));

        assertThat(message.headers().getAll(HEADER_KEY)).containsExactly("alice");
    }

    // ---- subscription ----

    @Test
    void topicsListsExactTopicsInRouteOrderWithoutDuplicates() {
        RecordRouter router = router(topicRoute("orders.status", "a"), patternRoute("chat\\..+", "b"),
            topicRoute("metrics", "c"), topicRoute("orders.status", "d"));

        assertThat(router.topics()).containsExactly("orders.status", "metrics");
    }

    @Test
    void topicsIsEmptyForPatternOnlyRouters() {
        assertThat(router(patternRoute("chat\\..+", "b")).topics()).isEmpty();
    }

    @Test
    void subscriptionPatternMatchesExactTopicsLiterally() {
        RecordRouter router = router(topicRoute("a.b", "x"), topicRoute("metrics", "y"));

        assertThat(router.subscriptionPattern().matcher("a.b").matches()).isTrue();
        assertThat(router.subscriptionPattern().matcher("metrics").matches()).isTrue();
        assertThat(router.subscriptionPattern().matcher("aXb").matches()).isFalse();
        assertThat(router.subscriptionPattern().matcher("a.bc").matches()).isFalse();
        assertThat(router.subscriptionPattern().matcher("a.bmetrics").matches()).isFalse();
    }

    @Test
    void subscriptionPatternMatchesPatternTopicsAndExactTopics() {
        RecordRouter router = router(topicRoute("orders.status", "x"), patternRoute("chat\\..+", "y"), patternRoute("m[0-9]", "z"));

        assertThat(router.subscriptionPattern().matcher("orders.status").matches()).isTrue();
        assertThat(router.subscriptionPattern().matcher("chat.room1").matches()).isTrue();
        assertThat(router.subscriptionPattern().matcher("m7").matches()).isTrue();
        assertThat(router.subscriptionPattern().matcher("xchat.room1").matches()).isFalse();
        assertThat(router.subscriptionPattern().matcher("chat.").matches()).isFalse();
        assertThat(router.subscriptionPattern().matcher("m77").matches()).isFalse();
    }

    @Test
    void subscriptionPatternAgreesWithRouting() {
        RecordRouter router = router(topicRoute("a.b", "x"), patternRoute("c|d", "y"), patternRoute("e+", "z"));

        for (String topic : List.of("a.b", "aXb", "c", "d", "cd", "e", "eee", "xe", "c|d")) {
            assertThat(router.subscriptionPattern().matcher(topic).matches())
                .as(topic)
                .isEqualTo(!router.route(record(topic, "k", "{}")).isUnroutable());
        }
    }

    @Test
    void patternSubscriptionIsNeededOnlyWhenSomeRouteHasATopicPattern() {
        assertThat(router(topicRoute("a", "x"), topicRoute("b", "y")).needsPatternSubscription()).isFalse();
        assertThat(router(topicRoute("a", "x"), patternRoute("b.*", "y")).needsPatternSubscription()).isTrue();
    }

    @Test
    void routesAreCompiledInConfigOrderWithTheirIndexes() {
        RecordRouter router = router(topicRoute("a", "x", PayloadFormat.STRING), patternRoute("b.*", "y.{key}"));

        assertThat(router.routes()).extracting(Route::index).containsExactly(0, 1);
        assertThat(router.routes().get(0).topic()).isEqualTo("a");
        assertThat(router.routes().get(0).topicPattern()).isNull();
        assertThat(router.routes().get(0).format()).isEqualTo(PayloadFormat.STRING);
        assertThat(router.routes().get(1).topic()).isNull();
        assertThat(router.routes().get(1).topicPattern().pattern()).isEqualTo("b.*");
        assertThat(router.routes().get(1).address().placeholders()).containsExactly("key");
    }

    // ---- valid JSON that a decode would alter ----

    @ParameterizedTest
    @ValueSource(strings = {"12345678901234567890", "1e400", "{\"n\":0.10000000000000000000001}", "[\"\\u00e9\", \"\u00e9\"]",
        "{ \"spaced\" :\n [ ] }"})
    void jsonThatADecodeWouldAlterIsDeliveredAsItsExactText(String value) {
        RoutingResult result = router(topicRoute("t", "a")).route(record("t", "k", value));

        RoutedMessage message = onlyMessage(result);
        assertThat(message.body()).isInstanceOf(JsonBytes.class);
        assertThat(message.body().toString()).isEqualTo(value);
        assertThat(message.headers().get(RecordRouter.HEADER_FORMAT)).isEqualTo("json");
        assertThat(result.invalidJson()).isFalse();
    }

    @Test
    void theTopicsFeedingAnAddressAreThoseOfTheRoutesThatCanRenderIt() {
        RecordRouter router = router(topicRoute("orders.status", "user.{key}.orders"), topicRoute("metrics", "dashboard.metrics"),
            patternRoute("chat\\..+", "{topic}"), topicRoute("audit", "user.{key}.orders"));

        assertThat(router.topicsFeeding("user.alice.orders", List.of("orders.status", "metrics", "chat.a", "audit")))
            .containsExactly("audit", "orders.status");
        assertThat(router.topicsFeeding("dashboard.metrics", List.of())).containsExactly("metrics");
        // {topic} stands for the topic itself
        assertThat(router.topicsFeeding("chat.room-1", List.of("chat.room-1", "chat.room-2", "metrics")))
            .containsExactly("chat.room-1");
        assertThat(router.topicsFeeding("nothing.here", List.of("metrics"))).isEmpty();
    }

    @Test
    void routingToOneAddressKeepsOnlyItsMessages() {
        RecordRouter router = router(topicRoute("orders.status", "user.{key}.orders"), topicRoute("orders.status", "all.orders"));

        List<RoutedMessage> messages = router.routeTo(record("orders.status", "alice", "{\"id\":1}"), "all.orders");

        assertThat(messages).extracting(RoutedMessage::address).containsExactly("all.orders");
        assertThat(router.routeTo(record("orders.status", "alice", "{}"), "user.bob.orders")).isEmpty();
    }
}
