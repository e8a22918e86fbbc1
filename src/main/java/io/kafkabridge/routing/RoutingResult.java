package io.kafkabridge.routing;

import java.util.List;

/**
 * The outcome of routing one record.
 *
 * @param messages       one message per matching route whose template could be filled
 * @param unfilledRoutes indexes of the matching routes whose address template could not be filled (null key for
 *                       {@code {key}}, missing header)
 * @param invalidJson    {@code true} when a {@code json} route met a value that is not valid JSON (delivered as a
 *                       string with {@code kafka.format=string})
 */
public record RoutingResult(List<RoutedMessage> messages, List<Integer> unfilledRoutes, boolean invalidJson) {

    /**
     * @return {@code true} when the record produced no message at all
     */
    public boolean isUnroutable() {
        return messages.isEmpty();
    }
}
