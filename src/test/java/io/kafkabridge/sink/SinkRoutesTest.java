package io.kafkabridge.sink;

import io.kafkabridge.auth.Identity;
import io.kafkabridge.config.SinkOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SinkRoutes} as the pure function it is: which sink an inbound address goes to for a client (exact and regex
 * addresses, {@code {user}} binding), the rendered record key, and the body checks of {@link SinkRoutes#encode}.
 */
class SinkRoutesTest {

    private static final Identity ALICE = user("alice");
    private static final Identity BOB = user("bob");
    private static final MultiMap NO_HEADERS = MultiMap.caseInsensitiveMultiMap();

    private static Identity user(String id) {
        return new Identity(id, Set.of(), 0);
    }

    private static SinkOptions sink(JsonObject json) {
        return new SinkOptions(json, "sinks[0]");
    }

    private static SinkRoutes routes(JsonObject... sinks) {
        return new SinkRoutes(Arrays.stream(sinks).map(SinkRoutesTest::sink).toList());
    }

    private static JsonObject exact(String address, String topic) {
        return new JsonObject().put("address", address).put("topic", topic);
    }

    private static JsonObject regex(String addressRegex, String topic) {
        return new JsonObject().put("addressRegex", addressRegex).put("topic", topic);
    }

    private static MultiMap headers(String... pairs) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            headers.add(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static SinkRejection rejection(SinkRoutes routes, Object body) {
        try {
            routes.encode(0, body);
        } catch (SinkRejection e) {
            return e;
        }
        throw new AssertionError("the body " + body + " was accepted");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // matching

    @Test
    void anExactAddressMatchesOnlyItself() {
        SinkRoutes routes = routes(exact("orders.place", "orders"));

        assertThat(routes.match("orders.place", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "orders", null));
        assertThat(routes.match("orders.place", Identity.ANONYMOUS, NO_HEADERS)).isNotNull();
        for (String other : List.of("orders.plac", "orders.place.x", "xorders.place", "orders-place", "ORDERS.PLACE",
            " orders.place", "orders.place ", "orders.*", ".*")) {
            assertThat(routes.match(other, ALICE, NO_HEADERS)).as("address '%s'", other).isNull();
        }
    }

    @Test
    void anExactAddressIsNotInterpretedAsARegex() {
        SinkRoutes routes = routes(exact("orders.place", "orders"));

        assertThat(routes.match("ordersXplace", ALICE, NO_HEADERS)).as("the dot is a literal dot").isNull();
    }

    @Test
    void aRegexMustMatchTheWholeAddress() {
        SinkRoutes routes = routes(regex("chat\\.send\\.[a-z]+", "chat"));

        assertThat(routes.match("chat.send.lobby", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "chat", null));
        assertThat(routes.match("chat.send.lobby", Identity.ANONYMOUS, NO_HEADERS)).isNotNull();
        for (String other : List.of("chat.send.", "chat.send.lobby.x", "xchat.send.lobby", "chat.send.Lobby",
            "chat.send.lobby1", "chatXsendXlobby", "chat.send.lobby\n")) {
            assertThat(routes.match(other, ALICE, NO_HEADERS)).as("address '%s'", other).isNull();
        }
    }

    @Test
    void noMatchingSinkGivesNull() {
        SinkRoutes routes = routes(exact("orders.place", "orders"), regex("chat\\..+", "chat"));

        assertThat(routes.match("metrics.in", ALICE, NO_HEADERS)).isNull();
        assertThat(routes.match("", ALICE, NO_HEADERS)).isNull();
    }

    @Test
    void noSinksMatchNothing() {
        SinkRoutes routes = new SinkRoutes(List.of());

        assertThat(routes.isEmpty()).isTrue();
        assertThat(routes.match("orders.place", ALICE, NO_HEADERS)).isNull();
    }

    @Test
    void theFirstMatchingSinkWins() {
        SinkRoutes routes = routes(
            exact("chat.send.vip", "vip").put("key", "vip-{user}"),
            regex("chat\\.send\\.(.+)", "chat").put("key", "{1}"),
            regex("chat\\..*", "catch-all"));

        assertThat(routes.match("chat.send.vip", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "vip", "vip-alice"));
        assertThat(routes.match("chat.send.lobby", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(1, "chat", "lobby"));
        assertThat(routes.match("chat.other", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(2, "catch-all", null));
        assertThat(routes.topicOf(0)).isEqualTo("vip");
        assertThat(routes.topicOf(1)).isEqualTo("chat");
        assertThat(routes.topicOf(2)).isEqualTo("catch-all");
    }

    @Test
    void aSinkThatDoesNotApplyToTheClientLetsTheNextOneMatch() {
        SinkRoutes routes = routes(
            exact("inbox.{user}", "private").put("key", "{user}"),
            regex("inbox\\..+", "public"));

        assertThat(routes.match("inbox.alice", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "private", "alice"));
        assertThat(routes.match("inbox.alice", BOB, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(1, "public", null));
        assertThat(routes.match("inbox.alice", Identity.ANONYMOUS, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(1, "public", null));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // {user}

    @Test
    void aUserBoundExactAddressMatchesOnlyTheClientsOwnAddress() {
        SinkRoutes routes = routes(exact("chat.{user}.out", "chat-out"));

        assertThat(routes.match("chat.alice.out", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "chat-out", null));
        assertThat(routes.match("chat.bob.out", BOB, NO_HEADERS)).isNotNull();
        assertThat(routes.match("chat.bob.out", ALICE, NO_HEADERS)).as("bob's address for alice").isNull();
        assertThat(routes.match("chat.alice.out", BOB, NO_HEADERS)).as("alice's address for bob").isNull();
        assertThat(routes.match("chat.{user}.out", ALICE, NO_HEADERS)).as("the placeholder itself").isNull();
        assertThat(routes.match("chat.ALICE.out", ALICE, NO_HEADERS)).as("another case").isNull();
    }

    @Test
    void aUserBoundRegexMatchesOnlyTheClientsOwnAddresses() {
        SinkRoutes routes = routes(regex("chat\\.{user}\\.(out|log)", "chat-out").put("key", "{user}-{1}"));

        assertThat(routes.match("chat.alice.out", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "chat-out", "alice-out"));
        assertThat(routes.match("chat.alice.log", ALICE, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "chat-out", "alice-log"));
        assertThat(routes.match("chat.bob.out", BOB, NO_HEADERS)).isEqualTo(new SinkRoutes.Target(0, "chat-out", "bob-out"));
        assertThat(routes.match("chat.bob.out", ALICE, NO_HEADERS)).isNull();
        assertThat(routes.match("chat.alice.out", BOB, NO_HEADERS)).isNull();
        assertThat(routes.match("chat.alice.in", ALICE, NO_HEADERS)).isNull();
        assertThat(routes.match("chat.alicex.out", ALICE, NO_HEADERS)).isNull();
    }

    @Test
    void anAnonymousClientNeverMatchesAUserBoundSink() {
        SinkRoutes routes = routes(exact("chat.{user}.out", "a"), regex("inbox\\.{user}", "b"), regex("feed\\.{user}.*", "c"));

        for (String address : List.of("chat.{user}.out", "chat.null.out", "chat..out", "inbox.{user}", "inbox.null", "inbox.",
            "feed.", "feed.null", "feed.anything")) {
            assertThat(routes.match(address, Identity.ANONYMOUS, NO_HEADERS)).as("'%s' for an anonymous client", address).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a*", ".*", "a|b", "(alice)", "[a-z]+", "a+b", "x?y", "a\\E.*\\Q", "\\Q.*\\E", "a{2}", "^a$", "a\\b"})
    void regexMetacharactersInAUserIdAreMatchedLiterally(String userId) {
        SinkRoutes routes = routes(regex("inbox\\.{user}\\.out", "inbox").put("key", "{user}"));
        Identity identity = user(userId);

        assertThat(routes.match("inbox." + userId + ".out", identity, NO_HEADERS))
            .isEqualTo(new SinkRoutes.Target(0, "inbox", userId));
        for (String other : List.of("inbox.bob.out", "inbox.alice.out", "inbox.ab.out", "inbox.aab.out", "inbox.a.out",
            "inbox..out", "inbox.xy.out", "inbox.a.b.c.out", "inbox.aa.out")) {
            if (!other.equals("inbox." + userId + ".out")) {
                assertThat(routes.match(other, identity, NO_HEADERS)).as("'%s' for user '%s'", other, userId).isNull();
            }
        }
    }

    @Test
    void manyUsersEachMatchOnlyTheirOwnAddress() {
        SinkRoutes routes = routes(regex("inbox\\.{user}", "inbox"));

        for (int i = 0; i < 200; i++) {
            Identity identity = user("user" + i);
            assertThat(routes.match("inbox.user" + i, identity, NO_HEADERS)).isNotNull();
            assertThat(routes.match("inbox.user" + (i + 1), identity, NO_HEADERS)).isNull();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // keys

    @Test
    void aSinkWithoutKeyTemplateGivesRecordsWithoutKey() {
        assertThat(routes(exact("orders.place", "orders")).match("orders.place", ALICE, NO_HEADERS).key()).isNull();
    }

    @Test
    void theUserPlaceholderRendersTheAuthenticatedUser() {
        SinkRoutes routes = routes(exact("orders.place", "orders").put("key", "{user}"));

        assertThat(routes.match("orders.place", ALICE, NO_HEADERS).key()).isEqualTo("alice");
        assertThat(routes.match("orders.place", BOB, headers("user", "alice")).key())
            .as("the authenticated user, not a header").isEqualTo("bob");
    }

    @Test
    void theUserPlaceholderOfAnAnonymousClientRendersNoKey() {
        SinkRoutes routes = routes(exact("orders.place", "orders").put("key", "{user}"));

        assertThat(routes.match("orders.place", Identity.ANONYMOUS, NO_HEADERS).key()).isNull();
    }

    @Test
    void theAddressPlaceholderRendersTheAddressSentTo() {
        SinkRoutes routes = routes(regex("orders\\..+", "orders").put("key", "{address}"));

        assertThat(routes.match("orders.eu", ALICE, NO_HEADERS).key()).isEqualTo("orders.eu");
        assertThat(routes.match("orders.us", ALICE, NO_HEADERS).key()).isEqualTo("orders.us");
    }

    @Test
    void aHeaderPlaceholderRendersTheClientsHeader() {
        SinkRoutes routes = routes(exact("chat.send", "chat").put("key", "{header:room}"));

        assertThat(routes.match("chat.send", ALICE, headers("room", "lobby", "other", "x")).key()).isEqualTo("lobby");
        assertThat(routes.match("chat.send", ALICE, headers("Room", "kitchen")).key()).as("header names ignore case")
            .isEqualTo("kitchen");
    }

    @Test
    void aMissingHeaderRendersAsEmpty() {
        assertThat(routes(exact("chat.send", "chat").put("key", "{header:room}")).match("chat.send", ALICE, NO_HEADERS).key())
            .as("an empty key is no key").isNull();
        assertThat(routes(exact("chat.send", "chat").put("key", "room-{header:room}")).match("chat.send", ALICE, NO_HEADERS).key())
            .isEqualTo("room-");
        assertThat(routes(exact("chat.send", "chat").put("key", "{header:room}")).match("chat.send", ALICE, null).key())
            .as("no headers at all").isNull();
    }

    @Test
    void captureGroupPlaceholdersRenderTheGroupsOfTheAddressRegex() {
        SinkRoutes routes = routes(regex("chat\\.send\\.([a-z0-9-]{1,32})\\.([a-z]+)", "chat").put("key", "{2}/{1}"));

        assertThat(routes.match("chat.send.lobby.en", ALICE, NO_HEADERS).key()).isEqualTo("en/lobby");
        assertThat(routes.match("chat.send.room-7.fr", ALICE, NO_HEADERS).key()).isEqualTo("fr/room-7");
    }

    @Test
    void anOptionalGroupThatDidNotParticipateRendersAsEmpty() {
        SinkRoutes routes = routes(regex("chat\\.send\\.([a-z]+)(?:\\.([a-z]+))?", "chat").put("key", "{1}:{2}"));

        assertThat(routes.match("chat.send.lobby.en", ALICE, NO_HEADERS).key()).isEqualTo("lobby:en");
        assertThat(routes.match("chat.send.lobby", ALICE, NO_HEADERS).key()).isEqualTo("lobby:");
    }

    @Test
    void placeholdersCombineWithLiteralText() {
        SinkRoutes routes = routes(regex("chat\\.send\\.([a-z]+)", "chat").put("key", "k:{user}@{1}#{header:room}|{address}"));

        assertThat(routes.match("chat.send.lobby", ALICE, headers("room", "r1")).key())
            .isEqualTo("k:alice@lobby#r1|chat.send.lobby");
    }

    @Test
    void aUserBoundRegexWithCaptureGroupsRendersThem() {
        SinkRoutes routes = routes(regex("dm\\.{user}\\.to\\.([a-z]+)", "dm").put("key", "{user}->{1}"));

        assertThat(routes.match("dm.alice.to.bob", ALICE, NO_HEADERS).key()).isEqualTo("alice->bob");
        assertThat(routes.match("dm.alice.to.bob", BOB, NO_HEADERS)).isNull();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // encode: size

    @Test
    void aBodyOverMaxBodyBytesIsRefusedAsBodyTooLarge() {
        SinkRoutes routes = routes(exact("a", "t").put("format", "string").put("maxBodyBytes", 10));

        assertThat(utf8(routes.encode(0, "0123456789"))).isEqualTo("0123456789");
        SinkRejection rejection = rejection(routes, "0123456789x");
        assertThat(rejection.code()).isEqualTo(SinkRejection.BODY_TOO_LARGE);
        assertThat(rejection.status()).isEqualTo(413);
        assertThat(rejection.getMessage()).contains("11").contains("10");
    }

    @Test
    void theSizeLimitCountsUtf8BytesNotCharacters() {
        SinkRoutes routes = routes(exact("a", "t").put("format", "string").put("maxBodyBytes", 10));

        assertThat(utf8(routes.encode(0, "ééééé"))).as("5 characters, 10 bytes").isEqualTo("ééééé");
        assertThat(rejection(routes, "éééééx").code()).as("6 characters, 11 bytes").isEqualTo(SinkRejection.BODY_TOO_LARGE);
    }

    @Test
    void theSizeLimitAppliesToTheEncodedJsonOfAStructuredBody() {
        SinkRoutes routes = routes(exact("a", "t").put("maxBodyBytes", 12));

        assertThat(utf8(routes.encode(0, new JsonObject().put("a", "1234")))).isEqualTo("{\"a\":\"1234\"}");
        assertThat(rejection(routes, new JsonObject().put("a", "12345")).code()).isEqualTo(SinkRejection.BODY_TOO_LARGE);
        assertThat(rejection(routes, new JsonArray().add("1234567890")).code()).isEqualTo(SinkRejection.BODY_TOO_LARGE);
    }

    @Test
    void theSizeIsCheckedBeforeTheJson() {
        SinkRoutes routes = routes(exact("a", "t").put("maxBodyBytes", 5));

        assertThat(rejection(routes, "not json at all").code()).isEqualTo(SinkRejection.BODY_TOO_LARGE);
    }

    @Test
    void theDefaultMaxBodyBytesIs64KiB() {
        SinkRoutes routes = routes(exact("a", "t").put("format", "string"));

        assertThat(routes.encode(0, "x".repeat(65536))).hasSize(65536);
        assertThat(rejection(routes, "x".repeat(65537)).code()).isEqualTo(SinkRejection.BODY_TOO_LARGE);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // encode: JSON

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{", "{\"a\":}", "{'a':1}", "[1,2", "{\"a\":1}}", "undefined", "NaN", "{a:1}", "tru",
        "\"unterminated", "", " "})
    void aTextBodyThatIsNotJsonIsRefusedByAJsonSink(String text) {
        SinkRoutes routes = routes(exact("a", "t"));

        SinkRejection rejection = rejection(routes, text);
        assertThat(rejection.code()).isEqualTo(SinkRejection.INVALID_JSON);
        assertThat(rejection.status()).isEqualTo(400);
        assertThat(rejection.getMessage()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"orderId\":\"A-1\",\"amount\":12.5}", "[1,2,3]", "[]", "{}", "42", "-1.5e3", "\"a string\"", "true",
        "false", "null", " {\"spaced\" : true} ", "{\"nested\":{\"deep\":[{\"x\":null}]}}", "{\"unicode\":\"héllo ✓\"}"})
    void aTextBodyThatIsAnyJsonValueIsProducedAsItIs(String text) {
        SinkRoutes routes = routes(exact("a", "t"));

        assertThat(utf8(routes.encode(0, text))).isEqualTo(text);
    }

    @Test
    void structuredBodiesAreProducedAsTheirJsonText() {
        SinkRoutes routes = routes(exact("a", "t"));

        assertThat(utf8(routes.encode(0, new JsonObject().put("orderId", "A-1").put("amount", 12.5))))
            .isEqualTo("{\"orderId\":\"A-1\",\"amount\":12.5}");
        assertThat(utf8(routes.encode(0, new JsonArray().add(1).add("two").add(true)))).isEqualTo("[1,\"two\",true]");
        assertThat(utf8(routes.encode(0, 42))).isEqualTo("42");
        assertThat(utf8(routes.encode(0, 12345678901L))).isEqualTo("12345678901");
        assertThat(utf8(routes.encode(0, 2.5))).isEqualTo("2.5");
        assertThat(utf8(routes.encode(0, true))).isEqualTo("true");
    }

    @Test
    void aStringSinkProducesTheTextAsItIs() {
        SinkRoutes routes = routes(exact("a", "t").put("format", "string"));

        assertThat(utf8(routes.encode(0, "not json, just text"))).isEqualTo("not json, just text");
        assertThat(utf8(routes.encode(0, "{"))).isEqualTo("{");
        assertThat(utf8(routes.encode(0, "héllo ✓\nline two"))).isEqualTo("héllo ✓\nline two");
        assertThat(routes.encode(0, "")).isEmpty();
    }

    @Test
    void eachSinkEncodesWithItsOwnFormat() {
        SinkRoutes routes = routes(exact("json", "t"), exact("text", "t").put("format", "string"));

        assertThatThrownBy(() -> routes.encode(0, "text")).isInstanceOf(SinkRejection.class);
        assertThat(utf8(routes.encode(1, "text"))).isEqualTo("text");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // encode: JSON Schema

    private static final JsonObject ORDER_SCHEMA = new JsonObject()
        .put("type", "object")
        .put("required", new JsonArray().add("orderId").add("amount"))
        .put("properties", new JsonObject()
            .put("orderId", new JsonObject().put("type", "string").put("minLength", 1))
            .put("amount", new JsonObject().put("type", "number").put("minimum", 0))
            .put("items", new JsonObject().put("type", "array").put("items", new JsonObject()
                .put("type", "object").put("required", new JsonArray().add("sku"))
                .put("properties", new JsonObject().put("sku", new JsonObject().put("type", "string"))))))
        .put("additionalProperties", false);

    private static SinkRoutes orders() {
        return routes(exact("orders.place", "orders").put("schema", ORDER_SCHEMA));
    }

    @Test
    void aBodyThatSatisfiesTheSchemaIsProduced() {
        String text = "{\"orderId\":\"A-1\",\"amount\":12.5,\"items\":[{\"sku\":\"X\"}]}";

        assertThat(utf8(orders().encode(0, text))).isEqualTo(text);
        assertThat(utf8(orders().encode(0, new JsonObject().put("orderId", "A-2").put("amount", 0))))
            .isEqualTo("{\"orderId\":\"A-2\",\"amount\":0}");
    }

    @Test
    void aSchemaViolationNamesTheFailingPath() {
        SinkRejection rejection = rejection(orders(), new JsonObject().put("orderId", "A-1").put("amount", -5));

        assertThat(rejection.code()).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
        assertThat(rejection.status()).isEqualTo(400);
        assertThat(rejection.getMessage()).startsWith("Schema violation at /amount: ");
    }

    @Test
    void aSchemaViolationOfATextBodyNamesTheFailingPathToo() {
        SinkRejection rejection = rejection(orders(), "{\"orderId\":\"A-1\",\"amount\":\"twelve\"}");

        assertThat(rejection.code()).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
        assertThat(rejection.getMessage()).startsWith("Schema violation at /amount: ");
    }

    @Test
    void aSchemaViolationDeepInTheBodyNamesTheNestedPath() {
        SinkRejection rejection = rejection(orders(), new JsonObject().put("orderId", "A-1").put("amount", 1)
            .put("items", new JsonArray().add(new JsonObject().put("sku", "X")).add(new JsonObject().put("sku", 7))));

        assertThat(rejection.code()).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
        assertThat(rejection.getMessage()).startsWith("Schema violation at /items/1/sku: ");
    }

    @Test
    void aMissingRequiredPropertyIsASchemaViolation() {
        SinkRejection rejection = rejection(orders(), new JsonObject().put("orderId", "A-1"));

        assertThat(rejection.code()).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
        assertThat(rejection.getMessage()).startsWith("Schema violation at ").contains("amount");
    }

    @Test
    void aBodyOfTheWrongTypeIsASchemaViolationAtTheRoot() {
        for (Object body : List.of(new JsonArray().add(1), 42, "[1]", "\"text\"")) {
            SinkRejection rejection = rejection(orders(), body);
            assertThat(rejection.code()).as("body %s", body).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
            assertThat(rejection.getMessage()).as("body %s", body).startsWith("Schema violation at ");
        }
    }

    @Test
    void aTextBodyThatIsNotJsonIsInvalidJsonBeforeAnySchemaCheck() {
        assertThat(rejection(orders(), "{\"orderId\":").code()).isEqualTo(SinkRejection.INVALID_JSON);
    }

    @Test
    void anOversizedBodyIsRefusedBeforeAnySchemaCheck() {
        SinkRoutes routes = routes(exact("orders.place", "orders").put("schema", ORDER_SCHEMA).put("maxBodyBytes", 30));

        assertThat(rejection(routes, new JsonObject().put("orderId", "x".repeat(40)).put("amount", -1)).code())
            .isEqualTo(SinkRejection.BODY_TOO_LARGE);
    }

    @Test
    void theSchemaOfOneSinkDoesNotApplyToAnother() {
        SinkRoutes routes = routes(exact("orders.place", "orders").put("schema", ORDER_SCHEMA), exact("free", "free"));

        assertThat(utf8(routes.encode(1, new JsonObject().put("anything", "goes")))).isEqualTo("{\"anything\":\"goes\"}");
        assertThat(rejection(routes, new JsonObject().put("anything", "goes")).code()).isEqualTo(SinkRejection.SCHEMA_VIOLATION);
    }
}
