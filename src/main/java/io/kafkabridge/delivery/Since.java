package io.kafkabridge.delivery;

/**
 * Where a subscription asks its replay to start ({@code since} header of a SockJS {@code register} or a STOMP
 * {@code SUBSCRIBE}), and whether the replay collapses to the newest record per Kafka key ({@code snapshot}).
 *
 * @param token    the position to continue after, or {@code null}
 * @param timeMs   with no token: the Kafka timestamp to replay from (epoch ms)
 * @param snapshot {@code snapshot: latest-per-key}
 */
public record Since(ResumeToken token, long timeMs, boolean snapshot) {

    /** Header of a subscription: a {@code resume} token, or {@code time:<epoch ms>}. */
    public static final String HEADER = "since";
    /** Header of a subscription: {@link #LATEST_PER_KEY}. */
    public static final String SNAPSHOT_HEADER = "snapshot";
    public static final String LATEST_PER_KEY = "latest-per-key";
    private static final String TIME_PREFIX = "time:";

    /**
     * @param since    the {@code since} header, or {@code null}
     * @param snapshot the {@code snapshot} header, or {@code null}
     * @return the replay asked for, or {@code null} when the subscription asks for none (live only)
     * @throws IllegalArgumentException naming the header and what is wrong with it
     */
    public static Since parse(String since, String snapshot) {
        boolean collapse = false;
        if (snapshot != null) {
            if (!LATEST_PER_KEY.equals(snapshot)) {
                throw new IllegalArgumentException("header snapshot: only '" + LATEST_PER_KEY + "' is known, not '"
                    + abbreviate(snapshot) + "'");
            }
            if (since == null) {
                throw new IllegalArgumentException("header snapshot needs a since header (a resume token or time:<epoch ms>)");
            }
            collapse = true;
        }
        if (since == null) {
            return null;
        }
        if (since.startsWith(TIME_PREFIX)) {
            String millis = since.substring(TIME_PREFIX.length());
            long time = -1;
            // ASCII digits only (Long.parseLong would take other scripts' digits and a sign)
            if (!millis.isEmpty() && millis.length() <= 19 && millis.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    time = Long.parseLong(millis);
                } catch (NumberFormatException e) {
                    time = -1;
                }
            }
            if (time < 0) {
                throw new IllegalArgumentException("header since: time: must be followed by epoch milliseconds, not '"
                    + abbreviate(millis) + "'");
            }
            return new Since(null, time, collapse);
        }
        try {
            return new Since(ResumeToken.decode(since), 0, collapse);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("header since: " + e.getMessage());
        }
    }

    private static String abbreviate(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        StringBuilder safe = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> safe.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return safe.toString();
    }
}
