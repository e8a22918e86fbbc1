package io.kafkabridge.delivery;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayPacerTest {

    @Test
    void aSecondsWorthGoesAtOnceThenOneTokenPerPeriod() {
        AtomicLong now = new AtomicLong();
        ReplayPacer pacer = new ReplayPacer(100, (ms, task) -> { }, now::get);
        int taken = 0;
        while (pacer.tryTake()) {
            taken++;
        }
        assertThat(taken).isEqualTo(100);
        // one token every 10 ms at 100/s
        assertThat(pacer.millisUntilNext()).isEqualTo(10);
        now.addAndGet(10_000_000);
        assertThat(pacer.tryTake()).isTrue();
        assertThat(pacer.tryTake()).isFalse();
    }

    @Test
    void replaysThatWaitTakeTurnsOnOneTimer() {
        AtomicLong now = new AtomicLong();
        List<Runnable> timers = new ArrayList<>();
        ReplayPacer pacer = new ReplayPacer(1000, (ms, task) -> timers.add(task), now::get);
        while (pacer.tryTake()) {
            assertThat(pacer.waiting()).isZero();
        }
        List<String> ran = new ArrayList<>();
        pacer.await(() -> ran.add("first" + (pacer.tryTake() ? "" : " (no token)")));
        pacer.await(() -> ran.add("second" + (pacer.tryTake() ? "" : " (no token)")));
        assertThat(timers).as("one timer for both").hasSize(1);
        now.addAndGet(2_000_000); // two tokens at 1,000/s
        timers.remove(0).run();
        assertThat(ran).containsExactly("first", "second");
        assertThat(pacer.waiting()).isZero();
        assertThat(timers).isEmpty();
    }
}
