package io.kafkabridge.fuzz;

/**
 * The oracle's judgement of one input.
 *
 * @param deferred       the input's effects are asynchronous: its outcome is read up to a second marker
 * @param awaitedReply   a reply address the input must get a {@code rec} on (SockJS send with a replyAddress), or null
 */
record Verdict(Expect expect, String reason, boolean deferred, String awaitedReply) {
    Verdict(Expect expect, String reason, boolean deferred) {
        this(expect, reason, deferred, null);
    }

    static Verdict of(Expect e, String reason) {
        return new Verdict(e, reason, false);
    }

    /** How long the input may take to be answered, marker included. */
    long timeoutMillis() {
        return expect == Expect.ANY ? FuzzSettings.ANY_TIMEOUT_MS : FuzzSettings.REPLY_TIMEOUT_MS;
    }
}
