package io.kafkabridge.fuzz;

import io.kafkabridge.delivery.ResumeToken;
import org.apache.kafka.common.TopicPartition;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The {@code since} and {@code snapshot} headers of a subscription: values to fuzz with, and the README's contract
 * as the oracle (a token is well formed when {@link ResumeToken#decode}, unit-tested on its own, reads it).
 */
final class Since {
    static String makeSince(Random r) {
        switch (r.nextInt(12)) {
            case 0:
                return "time:" + Math.abs(r.nextLong() % 2_000_000_000_000L);
            case 1:
                return "time:" + new String[] {"", "-1", "1.5", "1e3", " 5", "5 ", "99999999999999999999", "0x10", "٣"}[r.nextInt(9)];
            case 2:
                return new String[] {"time", "TIME:5", "time:", "latest", "", " "}[r.nextInt(6)];
            case 3:
            case 4:
                return makeToken(r);
            case 5: {
                String token = makeToken(r);
                return token.substring(0, r.nextInt(token.length()));
            }
            case 6: {
                char[] token = makeToken(r).toCharArray();
                int i = r.nextInt(token.length);
                token[i] = token[i] == 'A' ? 'B' : 'A';
                return new String(token);
            }
            case 7:
                return Texts.repeat('A', 16_000 + r.nextInt(2_000));
            case 8:
                return makeToken(r) + "=";
            case 9:
                return Texts.makeName(r, 1, 40);
            case 10:
                return Texts.makeUnicode(r, 1 + r.nextInt(20));
            default:
                return Base64.getUrlEncoder().withoutPadding().encodeToString(Texts.makeBytes(r, 1 + r.nextInt(60)));
        }
    }

    static String makeToken(Random r) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            positions.put(new TopicPartition(r.nextBoolean() ? "fuzz.feed" : Texts.makeName(r, 1, 20),
                r.nextInt(64)), (long) r.nextInt(1_000_000));
        }
        return ResumeToken.encode(Math.abs(r.nextLong() % 2_000_000_000_000L), positions);
    }

    static String makeSnapshot(Random r) {
        return r.nextInt(3) > 0 ? "latest-per-key" : new String[] {"", "latest", "LATEST-PER-KEY", "all", "latest-per-key "}[r.nextInt(5)];
    }

    /**
     * @return why the headers are refused ({@code bad_since}), or {@code null} when they are accepted
     */
    static String findProblem(String since, String snapshot) {
        if (snapshot != null && (!"latest-per-key".equals(snapshot) || since == null)) {
            return "a bad snapshot header";
        }
        if (since == null) {
            return null;
        }
        if (since.startsWith("time:")) {
            String millis = since.substring(5);
            if (millis.isEmpty() || millis.length() > 19 || !millis.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return "since time: not followed by epoch milliseconds";
            }
            try {
                Long.parseLong(millis);
                return null;
            } catch (NumberFormatException e) {
                return "since time: out of range";
            }
        }
        try {
            ResumeToken.decode(since);
            return null;
        } catch (IllegalArgumentException e) {
            return "since that is no resume token (" + e.getMessage() + ")";
        }
    }
}
