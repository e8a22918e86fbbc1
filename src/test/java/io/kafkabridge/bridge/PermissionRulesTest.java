package io.kafkabridge.bridge;

import io.kafkabridge.auth.Identity;
import io.kafkabridge.config.PermissionsOptions;
import io.kafkabridge.delivery.SlowClientPolicy;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PermissionRulesTest {

    private static final PermissionRules RULES = new PermissionRules(new PermissionsOptions(new JsonObject()
        .put("outboundPermitteds", new JsonArray()
            .add(new JsonObject().put("addressRegex", "user\\.{user}\\.orders"))
            .add(new JsonObject().put("address", "inbox.{user}"))
            .add(new JsonObject().put("address", "ops.alerts").put("requiredAuthority", "ops"))
            .add(new JsonObject().put("address", "news").put("match", new JsonObject().put("public", true)))
            .add(new JsonObject().put("address", "dashboard.metrics")))
        .put("inboundPermitteds", new JsonArray()
            .add(new JsonObject().put("address", "chat.{user}.out"))
            .add(new JsonObject().put("address", "orders.new").put("match", new JsonObject().put("kind", "order"))))));

    private static PermissionRules.Bound as(String user, String... authorities) {
        return RULES.bind(new Identity(user, Set.of(authorities), 0));
    }

    @Test
    void theFirstPermittingRuleThatNamesASlowClientPolicyGivesItAndOtherwiseTheNodesApplies() {
        PermissionRules rules = new PermissionRules(new PermissionsOptions(new JsonObject().put("outboundPermitteds", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("address", "dashboard.metrics").put("slowClientPolicy", "conflate"))
            .add(new JsonObject().put("addressRegex", "user\\.{user}\\.orders").put("slowClientPolicy", "drop-oldest"))
            .add(new JsonObject().put("addressRegex", "chat\\..+")))));
        PermissionRules.Bound alice = rules.bind(new Identity("alice", Set.of(), 0));

        assertThat(alice.slowClientPolicy("dashboard.metrics", SlowClientPolicy.DISCONNECT)).isEqualTo(SlowClientPolicy.CONFLATE);
        assertThat(alice.slowClientPolicy("user.alice.orders", SlowClientPolicy.DISCONNECT)).isEqualTo(SlowClientPolicy.DROP_OLDEST);
        assertThat(alice.slowClientPolicy("chat.lobby", SlowClientPolicy.DISCONNECT)).isEqualTo(SlowClientPolicy.DISCONNECT);
        assertThat(alice.slowClientPolicy("user.bob.orders", SlowClientPolicy.DISCONNECT)).isEqualTo(SlowClientPolicy.DISCONNECT);
    }

    @Test
    void noRuleLetsAClientSendToANodeAddressButOneMayLetItReceive() {
        PermissionRules rules = new PermissionRules(new PermissionsOptions(new JsonObject()
            .put("inboundPermitteds", new io.vertx.core.json.JsonArray().add(new JsonObject().put("addressRegex", ".*")))
            .put("outboundPermitteds", new io.vertx.core.json.JsonArray().add(new JsonObject().put("address", "gateway.stats")))),
            Set.of("gateway.stats"));
        PermissionRules.Bound anyone = rules.bind(Identity.ANONYMOUS);

        assertThat(anyone.permitsSend("gateway.stats", null)).isFalse();
        assertThat(anyone.permitsSend("gateway.statsx", null)).isTrue();
        assertThat(anyone.permitsSubscription("gateway.stats")).isTrue();
    }

    @Test
    void noRuleOpensAReservedAddress() {
        PermissionRules rules = new PermissionRules(new PermissionsOptions(new JsonObject()
            .put("inboundPermitteds", new io.vertx.core.json.JsonArray().add(new JsonObject().put("addressRegex", ".*")))
            .put("outboundPermitteds", new io.vertx.core.json.JsonArray().add(new JsonObject().put("addressRegex", ".*"))
                .add(new JsonObject().put("address", "kafka-eventbus-bridge.sink")))));
        PermissionRules.Bound anyone = rules.bind(Identity.ANONYMOUS);

        for (String reserved : List.of("kafka-eventbus-bridge.sink", "kafka-eventbus-bridge.node.cluster-stable", "__vertx.reply.7")) {
            assertThat(anyone.permitsSubscription(reserved)).as("subscribe %s", reserved).isFalse();
            assertThat(anyone.permitsDelivery(reserved, null)).as("deliver %s", reserved).isFalse();
            assertThat(anyone.permitsSend(reserved, null)).as("send %s", reserved).isFalse();
        }
        assertThat(anyone.permitsSubscription("kafka-eventbus-bridgex")).isTrue();
        assertThat(anyone.permitsSend("chat.send.lobby", null)).isTrue();
    }

    @Test
    void aliceMayReadHerOwnOrdersAndInbox() {
        PermissionRules.Bound alice = as("alice");

        assertThat(alice.permitsSubscription("user.alice.orders")).isTrue();
        assertThat(alice.permitsSubscription("inbox.alice")).isTrue();
        assertThat(alice.permitsSubscription("dashboard.metrics")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"user.bob.orders", "user.*.orders", "user..*.orders", "user.(alice|bob).orders",
        "user.alice|bob.orders", "user\\.bob\\.orders", "user.ALICE.orders", "user.Alice.orders", " user.alice.orders",
        "user.alice.orders ", "user.alice.orders\n", "user.alice.orders\t", "user.\u0430lice.orders", "user.alice.orders.x",
        "xuser.alice.orders", "user.alice..orders", "user.alice", "inbox.bob", "inbox.alice.x", "inbox.", "inbox.{user}",
        "user.{user}.orders", "ops.alerts", ""})
    void aliceIsRefusedEveryOtherAddress(String address) {
        assertThat(as("alice").permitsSubscription(address)).as(address).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", ".*", "alice|bob", "bob.orders", "(x)", "\\E.*\\Q", "[a-z]+", "zo\u00eb", "$1"})
    void userIdsWithMetacharactersMatchOnlyThemselves(String user) {
        PermissionRules.Bound rules = as(user);

        assertThat(rules.permitsSubscription("user." + user + ".orders")).isTrue();
        assertThat(rules.permitsSubscription("inbox." + user)).isTrue();
        assertThat(rules.permitsSubscription("user.bob.orders")).isFalse();
        assertThat(rules.permitsSubscription("user.alice.orders")).isFalse();
        assertThat(rules.permitsSubscription("inbox.bob")).isFalse();
    }

    @Test
    void anonymousClientsNeverMatchUserRules() {
        PermissionRules.Bound anonymous = RULES.bind(Identity.ANONYMOUS);

        assertThat(anonymous.permitsSubscription("user..orders")).isFalse();
        assertThat(anonymous.permitsSubscription("user.null.orders")).isFalse();
        assertThat(anonymous.permitsSubscription("inbox.")).isFalse();
        assertThat(anonymous.permitsSubscription("inbox.{user}")).isFalse();
        assertThat(anonymous.permitsSubscription("dashboard.metrics")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ali\nce", "ali\u0000ce", "ali\u2028ce"})
    void unusableUserIdsNeverMatchUserRules(String user) {
        PermissionRules.Bound rules = as(user);

        assertThat(rules.permitsSubscription("user." + user + ".orders")).isFalse();
        assertThat(rules.permitsSubscription("inbox." + user)).isFalse();
    }

    @Test
    void requiredAuthorityNeedsTheAuthority() {
        assertThat(as("alice").permitsSubscription("ops.alerts")).isFalse();
        assertThat(as("alice", "ops").permitsSubscription("ops.alerts")).isTrue();
        assertThat(as("alice", "OPS").permitsSubscription("ops.alerts")).isFalse();
    }

    @Test
    void matchRulesAreCheckedOnEveryDelivery() {
        PermissionRules.Bound alice = as("alice");

        assertThat(alice.permitsDelivery("news", new JsonObject().put("public", true))).isTrue();
        assertThat(alice.permitsDelivery("news", new JsonObject().put("public", false))).isFalse();
        assertThat(alice.permitsDelivery("news", Buffer.buffer("{\"public\":true}"))).isTrue();
        assertThat(alice.permitsDelivery("news", Buffer.buffer("not json"))).isFalse();
        // a JSON string value (SockJS) is not an object, even when it holds JSON text
        assertThat(alice.permitsDelivery("news", "{\"public\":true}")).isFalse();
        assertThat(alice.permitsDelivery("user.alice.orders", new JsonObject())).isTrue();
        assertThat(alice.permitsDelivery("user.bob.orders", new JsonObject())).isFalse();
    }

    @Test
    void inboundRulesBindTheUserAndMatchTheBody() {
        assertThat(as("alice").permitsSend("chat.alice.out", "hi")).isTrue();
        assertThat(as("alice").permitsSend("chat.bob.out", "hi")).isFalse();
        assertThat(RULES.bind(Identity.ANONYMOUS).permitsSend("chat..out", "hi")).isFalse();
        assertThat(as("alice").permitsSend("orders.new", new JsonObject().put("kind", "order"))).isTrue();
        assertThat(as("alice").permitsSend("orders.new", new JsonObject().put("kind", "refund"))).isFalse();
        assertThat(as("alice").permitsSend("dashboard.metrics", "x")).isFalse();
        assertThat(as("alice").permitsSend(null, "x")).isFalse();
    }

    @Test
    void aDeliveryAddressOncePermittedDoesNotLetAnotherAddressThrough() {
        PermissionRules.Bound alice = as("alice");
        String own = "user.alice.orders";

        assertThat(alice.permitsDelivery(own, null)).isTrue();
        assertThat(alice.permitsDelivery(own, null)).isTrue();
        assertThat(alice.permitsDelivery(new String("user.bob.orders"), null)).isFalse();
        assertThat(alice.permitsDelivery("ops.alerts", null)).isFalse();
        assertThat(alice.permitsDelivery(new String(own), null)).isTrue();
    }
}
