package io.kafkabridge.bench.measure;

import java.util.Locale;

/** Numbers for the JSON lines a generator prints by hand. */
public final class JsonNumbers {

    private JsonNumbers() {
    }

    /** Three decimals, or {@code null} when not a number. */
    public static String num(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
    }
}
