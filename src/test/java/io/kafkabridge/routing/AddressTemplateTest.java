package io.kafkabridge.routing;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AddressTemplateTest {

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, String key) {
        return new ConsumerRecord<>(topic, partition, 0L, utf8(key), utf8("{}"));
    }

    private static ConsumerRecord<byte[], byte[]> recordWithHeaders(String key, RecordHeaders headers) {
        return new ConsumerRecord<>("orders", 2, 7L, 1_700_000_000_000L, TimestampType.CREATE_TIME,
            -1, -1, utf8(key), utf8("{}"), headers, Optional.empty());
    }

    // ---- which addresses a template can render (what a replay reads) ----

    @Test
    void aTemplateCanRenderTheAddressesItsLiteralPartsAllow() {
        AddressTemplate perUser = AddressTemplate.parse("user.{key}.orders");
        assertThat(perUser.canRender("user.alice.orders")).isTrue();
        assertThat(perUser.canRender("user.a.b.orders")).isTrue();
        assertThat(perUser.canRender("user..orders")).isFalse();
        assertThat(perUser.canRender("user.alice.order")).isFalse();
        assertThat(AddressTemplate.parse("dashboard.metrics").canRender("dashboard.metrics")).isTrue();
        assertThat(AddressTemplate.parse("dashboard.metrics").canRender("dashboardXmetrics")).isFalse();
        assertThat(AddressTemplate.parse("{topic}").canRender("chat.room-1")).isTrue();
        assertThat(AddressTemplate.parse("a{{}b").canRender("a{b")).isTrue();
    }

    @Test
    void forATopicTheTopicAndPartitionPlaceholdersStandForItsNameAndANumber() {
        AddressTemplate template = AddressTemplate.parse("feed.{topic}.{partition}");
        assertThat(template.canRender("feed.orders.3", "orders")).isTrue();
        assertThat(template.canRender("feed.orders.3", "audit")).isFalse();
        assertThat(template.canRender("feed.orders.x", "orders")).isFalse();
        assertThat(AddressTemplate.parse("user.{key}.orders").canRender("user.alice.orders", "anything")).isTrue();
    }

    // ---- rendering ----

    @Test
    void literalTemplateRendersItself() {
        AddressTemplate template = AddressTemplate.parse("dashboard.metrics");

        assertThat(template.render(record("metrics", 0, null))).isEqualTo("dashboard.metrics");
        assertThat(template.placeholders()).isEmpty();
        assertThat(template).hasToString("dashboard.metrics");
    }

    @Test
    void topicPlaceholderRendersTheRecordTopic() {
        assertThat(AddressTemplate.parse("feed.{topic}").render(record("orders.status", 0, null)))
            .isEqualTo("feed.orders.status");
    }

    @Test
    void keyPlaceholderRendersTheKeyAsText() {
        assertThat(AddressTemplate.parse("user.{key}.orders").render(record("orders.status", 0, "alice")))
            .isEqualTo("user.alice.orders");
    }

    @ParameterizedTest
    @CsvSource({"0, p.0", "3, p.3", "127, p.127"})
    void partitionPlaceholderRendersThePartitionNumber(int partition, String expected) {
        assertThat(AddressTemplate.parse("p.{partition}").render(record("t", partition, null))).isEqualTo(expected);
    }

    @Test
    void placeholderAloneRendersJustTheValue() {
        assertThat(AddressTemplate.parse("{key}").render(record("t", 0, "bob"))).isEqualTo("bob");
        assertThat(AddressTemplate.parse("{topic}").render(record("metrics", 0, null))).isEqualTo("metrics");
    }

    @Test
    void headerPlaceholderRendersTheHeaderValue() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", utf8("acme"));

        assertThat(AddressTemplate.parse("tenant.{header:tenant}.events").render(recordWithHeaders("k", headers)))
            .isEqualTo("tenant.acme.events");
    }

    @Test
    void headerPlaceholderUsesTheLastHeaderOfThatName() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", utf8("first"));
        headers.add("other", utf8("x"));
        headers.add("tenant", utf8("last"));

        assertThat(AddressTemplate.parse("t.{header:tenant}").render(recordWithHeaders("k", headers)))
            .isEqualTo("t.last");
    }

    @Test
    void headerValueIsDecodedAsUtf8() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("region", utf8("zürich"));

        assertThat(AddressTemplate.parse("r.{header:region}").render(recordWithHeaders("k", headers)))
            .isEqualTo("r.zürich");
    }

    @Test
    void severalPlaceholdersAreAllFilled() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", utf8("acme"));

        assertThat(AddressTemplate.parse("{header:tenant}.{topic}.{partition}.{key}").render(recordWithHeaders("alice", headers)))
            .isEqualTo("acme.orders.2.alice");
    }

    @Test
    void adjacentPlaceholdersAreConcatenated() {
        assertThat(AddressTemplate.parse("{topic}{key}").render(record("t", 0, "k"))).isEqualTo("tk");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a{{}b         | a{b",
        "a{}}b         | a}b",
        "{{}{}}        | {}",
        "{{}key{}}     | {key}",
        "x.{{}{key}{}} | x.{alice}",
    })
    void escapedBracesRenderAsLiteralBraces(String template, String expected) {
        assertThat(AddressTemplate.parse(template).render(record("t", 0, "alice"))).isEqualTo(expected);
    }

    @Test
    void escapedBracesAreNotPlaceholders() {
        assertThat(AddressTemplate.parse("{{}key{}}").placeholders()).isEmpty();
    }

    @Test
    void utf8KeyIsRenderedAsText() {
        assertThat(AddressTemplate.parse("user.{key}").render(record("t", 0, "zoë"))).isEqualTo("user.zoë");
        assertThat(AddressTemplate.parse("user.{key}").render(record("t", 0, "日本"))).isEqualTo("user.日本");
    }

    // ---- unfillable ----

    @Test
    void nullKeyLeavesKeyTemplateUnfilled() {
        assertThat(AddressTemplate.parse("user.{key}.orders").render(record("t", 0, null))).isNull();
    }

    @Test
    void nullKeyLeavesBareKeyTemplateUnfilled() {
        assertThat(AddressTemplate.parse("{key}").render(record("t", 0, null))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"user.{key}.orders", "{key}", "{key}.x", "x.{key}"})
    void emptyKeyLeavesKeyTemplateUnfilled(String template) {
        assertThat(AddressTemplate.parse(template).render(record("t", 0, ""))).isNull();
    }

    @Test
    void missingHeaderLeavesHeaderTemplateUnfilled() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("other", utf8("x"));

        assertThat(AddressTemplate.parse("t.{header:tenant}").render(recordWithHeaders("k", headers))).isNull();
        assertThat(AddressTemplate.parse("{header:tenant}").render(recordWithHeaders("k", headers))).isNull();
    }

    @Test
    void headerWithNullValueLeavesHeaderTemplateUnfilled() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", null);

        assertThat(AddressTemplate.parse("t.{header:tenant}").render(recordWithHeaders("k", headers))).isNull();
    }

    @Test
    void headerWithEmptyValueLeavesHeaderTemplateUnfilled() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", new byte[0]);

        assertThat(AddressTemplate.parse("t.{header:tenant}").render(recordWithHeaders("k", headers))).isNull();
    }

    @Test
    void headerNameIsMatchedExactly() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("Tenant", utf8("acme"));

        assertThat(AddressTemplate.parse("t.{header:tenant}").render(recordWithHeaders("k", headers))).isNull();
    }

    @Test
    void oneUnfilledPlaceholderAmongSeveralLeavesTheWholeAddressUnfilled() {
        assertThat(AddressTemplate.parse("{topic}.{key}.{partition}").render(record("t", 1, null))).isNull();
    }

    // ---- placeholders() ----

    @Test
    void placeholdersListsNamesInOrderOfAppearance() {
        assertThat(AddressTemplate.parse("{header:tenant}.{topic}.x.{key}.{partition}").placeholders())
            .containsExactly("header:tenant", "topic", "key", "partition");
    }

    @Test
    void placeholdersKeepsRepeatedNames() {
        assertThat(AddressTemplate.parse("{key}.{key}").placeholders()).containsExactly("key", "key");
        assertThat(AddressTemplate.parse("{key}.{key}").render(record("t", 0, "a"))).isEqualTo("a.a");
    }

    @Test
    void placeholdersCannotBeModified() {
        assertThat(AddressTemplate.parse("{key}").placeholders()).isUnmodifiable();
    }

    // ---- rejected templates ----

    @ParameterizedTest
    @NullAndEmptySource
    void emptyTemplateIsRejected(String template) {
        assertThatIllegalArgumentException().isThrownBy(() -> AddressTemplate.parse(template))
            .withMessageContaining("must not be empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user.{user}", "{Key}", "{ key}", "{topic }", "{headers:x}", "{header}", "{}"})
    void unknownPlaceholderIsRejectedNamingIt(String template) {
        String name = template.substring(template.indexOf('{') + 1, template.indexOf('}'));

        assertThatIllegalArgumentException().isThrownBy(() -> AddressTemplate.parse(template))
            .withMessageContaining("unknown placeholder {" + name + "}")
            .withMessageContaining(template);
    }

    @Test
    void headerPlaceholderWithoutNameIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> AddressTemplate.parse("t.{header:}"))
            .withMessageContaining("unknown placeholder {header:}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"user.{key | 5", "{ | 0", "a.{{}{topic | 5"})
    void unclosedBraceIsRejectedWithItsPosition(String template, int position) {
        assertThatIllegalArgumentException().isThrownBy(() -> AddressTemplate.parse(template))
            .withMessageContaining("unclosed '{' at position " + position);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"user}.x | 4", "} | 0", "{key}} | 5", "{{}} | 3"})
    void strayClosingBraceIsRejectedWithItsPosition(String template, int position) {
        assertThatIllegalArgumentException().isThrownBy(() -> AddressTemplate.parse(template))
            .withMessageContaining("unmatched '}' at position " + position);
    }
}
