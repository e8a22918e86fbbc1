package io.kafkabridge.delivery;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayPacerTest {

    @Test
    void aSecondsWorthGoesAtOnceThenTheBucketSaysHowLongToWait() {
        ReplayPacer pacer = new ReplayPacer(100);
        int taken = 0;
        while (pacer.tryTake()) {
            taken++;
            assertThat(taken).as("no more than a second's worth, and a little refill").isLessThan(110);
        }
        assertThat(taken).isGreaterThanOrEqualTo(100);
        // one token every 10 ms at 100/s
        assertThat(pacer.millisUntilNext()).isBetween(1L, 10L);
    }
}
