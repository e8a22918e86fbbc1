package io.kafkabridge.kafka;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OffsetLedger}: what the Kafka source commits, when, and what it hands over.
 */
class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);

    @Test
    void aPartitionThatNeverHadARecordIsHandedOverAtItsStartingPosition() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 17, OffsetLedger.UNKNOWN);
        ledger.assign(P1, 5, 5);

        assertThat(ledger.revoke(List.of(P0, P1))).containsExactlyInAnyOrderEntriesOf(Map.of(P0, 17L, P1, 5L));
        assertThat(ledger.owned()).isEmpty();
    }

    @Test
    void aStartingPositionThatWasNotCommittedIsCommittedPeriodically() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 17, OffsetLedger.UNKNOWN);
        ledger.assign(P1, 5, 5);

        assertThat(ledger.takeUncommitted()).containsExactlyEntriesOf(Map.of(P0, 17L));
    }

    @Test
    void publishedRecordsAdvanceThePositionAndAreCommittedOnce() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 0, 0);
        ledger.advance(P0, 1);
        ledger.advance(P0, 2);

        Map<TopicPartition, Long> first = ledger.takeUncommitted();
        assertThat(first).containsExactlyEntriesOf(Map.of(P0, 2L));
        // while that commit is under way, nothing new to commit
        assertThat(ledger.takeUncommitted()).isEmpty();
        ledger.confirm(first);
        assertThat(ledger.takeUncommitted()).isEmpty();
        assertThat(ledger.takeUnconfirmed()).isEmpty();
    }

    @Test
    void aFailedCommitIsTriedAgainByTheNextOneAlthoughNoNewRecordArrived() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 0, 0);
        ledger.advance(P0, 3);

        Map<TopicPartition, Long> failed = ledger.takeUncommitted();
        ledger.release(failed);

        assertThat(ledger.takeUncommitted()).containsExactlyEntriesOf(Map.of(P0, 3L));
    }

    @Test
    void atStopACommitStillUnderWayIsCarriedAgain() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 0, 0);
        ledger.advance(P0, 3);
        ledger.takeUncommitted();

        assertThat(ledger.takeUnconfirmed()).containsExactlyEntriesOf(Map.of(P0, 3L));
    }

    @Test
    void aCommitConfirmedAfterNewRecordsLeavesTheNewerPositionToCommit() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 0, 0);
        ledger.advance(P0, 3);
        Map<TopicPartition, Long> first = ledger.takeUncommitted();
        ledger.advance(P0, 7);

        assertThat(ledger.takeUncommitted()).containsExactlyEntriesOf(Map.of(P0, 7L));
        ledger.confirm(first);
        ledger.release(Map.of(P0, 7L));
        assertThat(ledger.takeUncommitted()).containsExactlyEntriesOf(Map.of(P0, 7L));
    }

    @Test
    void recordsBelowThePositionWereAlreadyPublishedAndRecordsOfOtherPartitionsAreNotOurs() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 10, 10);
        ledger.advance(P0, 12);

        assertThat(ledger.isNext(P0, 11)).isFalse();
        assertThat(ledger.isNext(P0, 12)).isTrue();
        assertThat(ledger.isNext(P1, 0)).isFalse();
    }

    @Test
    void aPartitionWithoutAKnownStartTakesItsPositionFromItsFirstRecord() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, OffsetLedger.UNKNOWN, OffsetLedger.UNKNOWN);

        assertThat(ledger.isNext(P0, 40)).isTrue();
        assertThat(ledger.revoke(List.of(P0))).isEmpty();
        ledger.assign(P0, OffsetLedger.UNKNOWN, OffsetLedger.UNKNOWN);
        ledger.advance(P0, 41);
        assertThat(ledger.takeUncommitted()).containsExactlyEntriesOf(Map.of(P0, 41L));
    }

    @Test
    void lostPartitionsAreForgottenWithoutACommit() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.assign(P0, 0, 0);
        ledger.advance(P0, 3);
        ledger.lose(List.of(P0));

        assertThat(ledger.takeUnconfirmed()).isEmpty();
        assertThat(ledger.isNext(P0, 3)).isFalse();
    }
}
