package io.kafkabridge.bench;

/** A generator's settings, given as system properties ({@code -Dname=value}); an empty value means the default. */
public final class Props {

    private Props() {
    }

    public static String string(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    public static int integer(String name, int fallback) {
        return Integer.parseInt(string(name, Integer.toString(fallback)));
    }

    public static long longValue(String name, long fallback) {
        return Long.parseLong(string(name, Long.toString(fallback)));
    }

    public static double decimal(String name, double fallback) {
        return Double.parseDouble(string(name, Double.toString(fallback)));
    }

    public static boolean flag(String name, boolean fallback) {
        return Boolean.parseBoolean(string(name, Boolean.toString(fallback)));
    }
}
