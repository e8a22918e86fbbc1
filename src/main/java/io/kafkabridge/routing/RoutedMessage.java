package io.kafkabridge.routing;

import io.vertx.core.MultiMap;

/**
 * What the router made of one record for one route: publish {@code body} with {@code headers} to {@code address}.
 *
 * @param address    the event-bus address
 * @param body       the body: {@link JsonBytes} ({@code json}), a String ({@code string}, {@code base64}, or a value that
 *                   was not JSON), or null
 * @param headers    the {@code kafka.*} headers and the record's own headers
 * @param routeIndex the index of the route in {@code routes}
 */
public record RoutedMessage(String address, Object body, MultiMap headers, int routeIndex) {
}
