package io.kafkabridge.delivery;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResumeTokenTest {

    private static final Map<TopicPartition, Long> POSITIONS = Map.of(
        new TopicPartition("orders.status", 0), 17L,
        new TopicPartition("orders.status", 2), 1_234_567_890_123L,
        new TopicPartition("chat.room-1", 1), 0L);

    @Test
    void aTokenReadsBackAsThePositionsAndBaselineItWasMadeOf() {
        String text = ResumeToken.encode(1_700_000_000_000L, POSITIONS);

        ResumeToken token = ResumeToken.decode(text);

        assertThat(token.baselineMs()).isEqualTo(1_700_000_000_000L);
        assertThat(token.positions()).isEqualTo(POSITIONS);
        assertThat(token.position(new TopicPartition("orders.status", 1))).isNull();
        assertThat(text).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void equalPositionsGiveTheSameTokenWhateverTheirOrder() {
        java.util.List<TopicPartition> order = new java.util.ArrayList<>(new ResumeToken(0, POSITIONS).partitions());
        java.util.Collections.reverse(order);
        Map<TopicPartition, Long> reversed = new LinkedHashMap<>();
        order.forEach(p -> reversed.put(p, POSITIONS.get(p)));

        assertThat(ResumeToken.encode(5, reversed)).isEqualTo(ResumeToken.encode(5, POSITIONS));
        assertThat(ResumeToken.encode(5, Map.of())).isNotEqualTo(ResumeToken.encode(6, Map.of()));
    }

    @Test
    void aTruncatedTokenIsRefused() {
        String text = ResumeToken.encode(1, POSITIONS);
        for (int cut = 0; cut < text.length(); cut++) {
            String truncated = text.substring(0, cut);
            assertThatThrownBy(() -> ResumeToken.decode(truncated)).as("cut at %d", cut)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resume token");
        }
    }

    @Test
    void anAlteredTokenIsRefusedByItsChecksum() {
        byte[] bytes = Base64.getUrlDecoder().decode(ResumeToken.encode(1, POSITIONS));
        for (int i = 0; i < bytes.length; i++) {
            byte[] altered = bytes.clone();
            altered[i] ^= 0x10;
            String text = Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
            assertThatThrownBy(() -> ResumeToken.decode(text)).as("byte %d altered", i)
                .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void textThatIsNoTokenIsRefusedSayingWhy() {
        assertThatThrownBy(() -> ResumeToken.decode("not a token!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> ResumeToken.decode("")).hasMessageContaining("too short");
        assertThatThrownBy(() -> ResumeToken.decode("A".repeat(ResumeToken.MAX_LENGTH + 1)))
            .hasMessageContaining("at most " + ResumeToken.MAX_LENGTH);
        // well-formed base64 with a valid checksum but an unknown version
        byte[] body = {9, 0, 0};
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        byte[] framed = java.nio.ByteBuffer.allocate(7).put(body).putInt((int) crc.getValue()).array();
        assertThatThrownBy(() -> ResumeToken.decode(Base64.getUrlEncoder().withoutPadding().encodeToString(framed)))
            .hasMessageContaining("version");
    }

    @Test
    void mergingRaisesEveryPartitionToTheFurtherPosition() {
        ResumeToken token = new ResumeToken(3, Map.of(new TopicPartition("t", 0), 10L, new TopicPartition("t", 1), 5L));

        ResumeToken merged = token.merge(Map.of(new TopicPartition("t", 0), 8L, new TopicPartition("t", 1), 9L,
            new TopicPartition("t", 2), 1L));

        assertThat(merged.positions()).containsExactlyInAnyOrderEntriesOf(Map.of(new TopicPartition("t", 0), 10L,
            new TopicPartition("t", 1), 9L, new TopicPartition("t", 2), 1L));
        assertThat(merged.baselineMs()).isEqualTo(3);
    }
}
