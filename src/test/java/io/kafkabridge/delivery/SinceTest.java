package io.kafkabridge.delivery;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SinceTest {

    @Test
    void noHeaderAsksForNoReplay() {
        assertThat(Since.parse(null, null)).isNull();
    }

    @Test
    void aTimeAndATokenAreRead() {
        assertThat(Since.parse("time:1700000000000", null)).isEqualTo(new Since(null, 1_700_000_000_000L, false));
        assertThat(Since.parse("time:0", Since.LATEST_PER_KEY)).isEqualTo(new Since(null, 0, true));

        Since since = Since.parse(ResumeToken.encode(42, Map.of(new TopicPartition("t", 1), 7L)), null);
        assertThat(since.token().position(new TopicPartition("t", 1))).isEqualTo(7L);
        assertThat(since.token().baselineMs()).isEqualTo(42);
        assertThat(since.snapshot()).isFalse();
    }

    @Test
    void aMalformedHeaderIsRefusedNamingIt() {
        assertThatThrownBy(() -> Since.parse("time:", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:-5", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:12x", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:99999999999999999999", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("yesterday", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:+5", null)).hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:\u0663", null)).as("an Arabic-Indic three").hasMessageStartingWith("header since:");
        assertThatThrownBy(() -> Since.parse("time:1", "all")).hasMessageStartingWith("header snapshot:");
        assertThatThrownBy(() -> Since.parse(null, Since.LATEST_PER_KEY)).hasMessageContaining("needs a since header");
    }

    @Test
    void aRefusalQuotesAtMostTheStartOfTheValueAndNoControlCharacters() {
        assertThatThrownBy(() -> Since.parse("time:\u0001" + "9".repeat(100), null))
            .hasMessageNotContaining("\u0001").hasMessageContaining("…");
    }
}
