package io.kafkabridge.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backoff of failed password logins: doubling per login-and-address and per address, capped, cleared by a success,
 * forgotten after a quiet while, and never blocking a login node-wide.
 */
class LoginThrottleTest {

    private final LoginThrottle throttle = new LoginThrottle();

    @Test
    void eachFailureInARowDoublesTheWaitUpToTheCap() {
        long now = 1_000_000;
        long expected = LoginThrottle.BASE_DELAY_MS;
        for (int failure = 1; failure <= 10; failure++) {
            throttle.recordFailure("carol", "10.0.0.1", now);
            assertThat(throttle.waitMs("carol", "10.0.0.1", now)).as("after failure %d", failure)
                .isEqualTo(Math.min(expected, LoginThrottle.MAX_DELAY_MS));
            now += LoginThrottle.MAX_DELAY_MS;
            expected *= 2;
        }
        assertThat(throttle.waitMs("carol", "10.0.0.1", now)).isZero();
    }

    @Test
    void anAddressThatFailedWaitsForEveryLoginAndOtherAddressesDoNot() {
        long now = 5_000;
        throttle.recordFailure("carol", "10.0.0.1", now);

        assertThat(throttle.waitMs("dave", "10.0.0.1", now)).as("another login from the failing address").isPositive();
        assertThat(throttle.waitMs("carol", "10.0.0.2", now)).as("the same login from elsewhere").isZero();
    }

    @Test
    void aSuccessClearsTheLoginAndTheAddress() {
        long now = 5_000;
        throttle.recordFailure("carol", "10.0.0.1", now);
        throttle.recordFailure("carol", "10.0.0.1", now);

        throttle.recordSuccess("carol", "10.0.0.1");

        assertThat(throttle.waitMs("carol", "10.0.0.1", now)).isZero();
    }

    @Test
    void failuresLongAgoAreForgotten() {
        long now = 5_000;
        for (int i = 0; i < 5; i++) {
            throttle.recordFailure("carol", "10.0.0.1", now);
        }
        long later = now + LoginThrottle.FORGET_AFTER_MS + 1;

        throttle.recordFailure("carol", "10.0.0.1", later);

        assertThat(throttle.waitMs("carol", "10.0.0.1", later)).isEqualTo(LoginThrottle.BASE_DELAY_MS);
    }
}
