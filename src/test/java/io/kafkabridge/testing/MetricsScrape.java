package io.kafkabridge.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One scrape of a node's Prometheus endpoint, parsed by a Prometheus text-format parser ({@code metrics-scrape.js}, run
 * by Node): metric name → the samples' labels and values. A histogram's {@code _bucket}, {@code _count} and {@code _sum}
 * samples are families of those names too.
 */
public record MetricsScrape(JsonArray families) {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * @return the scrape of {@code http://127.0.0.1:<port>/metrics}, which must answer 200 in text format
     */
    public static MetricsScrape of(int port) {
        try (NodeClient scraper = NodeClient.start("metrics-scrape.js", "http://127.0.0.1:" + port + "/metrics")) {
            JsonObject result = scraper.await(e -> "metrics".equals(e.getString("event")) || "error".equals(e.getString("event")),
                TIMEOUT, "the scrape");
            assertThat(result.getString("event")).as(result.encode()).isEqualTo("metrics");
            assertThat(result.getInteger("status")).isEqualTo(200);
            assertThat(result.getString("contentType")).startsWith("text/plain");
            return new MetricsScrape(result.getJsonArray("families"));
        }
    }

    /**
     * @return the value of the first sample of {@code name} whose labels include {@code labels}, or 0 when none
     */
    public double value(String name, Map<String, String> labels) {
        List<JsonObject> found = samples(name, labels);
        return found.isEmpty() ? 0 : Double.parseDouble(found.get(0).getString("value"));
    }

    /**
     * @return the samples of {@code name} whose labels include {@code labels}
     */
    public List<JsonObject> samples(String name, Map<String, String> labels) {
        List<JsonObject> found = new ArrayList<>();
        for (Object family : families) {
            JsonObject f = (JsonObject) family;
            if (f.getString("name").equals(name)) {
                for (Object metric : f.getJsonArray("metrics")) {
                    JsonObject have = ((JsonObject) metric).getJsonObject("labels", new JsonObject());
                    if (labels.entrySet().stream().allMatch(e -> e.getValue().equals(have.getString(e.getKey())))) {
                        found.add((JsonObject) metric);
                    }
                }
            }
        }
        return found;
    }

    /**
     * @return the family's type ({@code COUNTER}, {@code GAUGE}, {@code HISTOGRAM}, …), or {@code null} when absent
     */
    public String type(String name) {
        for (Object family : families) {
            if (((JsonObject) family).getString("name").equals(name)) {
                return ((JsonObject) family).getString("type");
            }
        }
        return null;
    }

    /**
     * @return the names of the families that hold at least one sample
     */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (Object family : families) {
            JsonObject f = (JsonObject) family;
            if (!f.getJsonArray("metrics").isEmpty()) {
                names.add(f.getString("name"));
            }
        }
        return names;
    }
}
