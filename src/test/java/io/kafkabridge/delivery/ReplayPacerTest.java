package io.kafkabridge.delivery;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayPacerTest {

    @Test
    void aFewMillisecondsWorthGoesAtOnceThenOneTokenPerPeriod() {
        AtomicLong now = new AtomicLong();
        ReplayPacer pacer = new ReplayPacer(100, (ms, task) -> { }, now::get);
        int taken = 0;
        while (pacer.tryTake()) {
            taken++;
        }
        assertThat(taken).as("the smallest burst").isEqualTo(16);
        ReplayPacer fast = new ReplayPacer(10_000, (ms, task) -> { }, now::get);
        taken = 0;
        while (fast.tryTake()) {
            taken++;
        }
        assertThat(taken).as("20 ms worth at 10,000/s").isEqualTo(200);
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

    @Test
    void aLateTimerHalvesTheRateAndTimelyOnesBringItBackWithinHalfASecond() {
        AtomicLong now = new AtomicLong();
        List<Runnable> timers = new ArrayList<>();
        List<Long> delays = new ArrayList<>();
        ReplayPacer pacer = new ReplayPacer(1000, (ms, task) -> {
            delays.add(ms);
            timers.add(task);
        }, now::get);
        while (pacer.tryTake()) {
            // the burst
        }
        List<String> ran = new ArrayList<>();
        Runnable replay = new Runnable() {
            @Override
            public void run() {
                ran.add("turn");
                while (pacer.tryTake()) {
                    // this replay's messages
                }
                pacer.await(this);
            }
        };
        pacer.await(replay);
        // one long task on the loop: a wake 10 ms late is not a backlog
        now.addAndGet(delays.get(delays.size() - 1) * 1_000_000 + 10_000_000);
        timers.remove(0).run();
        assertThat(pacer.perSecond()).isEqualTo(1000);
        // the loop was busy: wakes 12 ms late, four times in a row, halve the rate twice
        for (int i = 0; i < 4; i++) {
            now.addAndGet(delays.get(delays.size() - 1) * 1_000_000 + 12_000_000);
            timers.remove(0).run();
        }
        assertThat(pacer.perSecond()).isEqualTo(250);
        // the loop keeps up again: the rate climbs back with the time, to the maximum and no further
        long since = now.get();
        int wakes = 0;
        while (pacer.perSecond() < 1000 && wakes++ < 10_000) {
            now.addAndGet(delays.get(delays.size() - 1) * 1_000_000);
            timers.remove(0).run();
        }
        assertThat(pacer.perSecond()).isEqualTo(1000);
        assertThat(now.get() - since).as("back to the maximum within RECOVERY_NANOS")
            .isLessThanOrEqualTo(ReplayPacer.RECOVERY_NANOS);
        now.addAndGet(delays.get(delays.size() - 1) * 1_000_000);
        timers.remove(0).run();
        assertThat(pacer.perSecond()).isEqualTo(1000);
        assertThat(ran).hasSize(5 + wakes + 1);
    }
}
