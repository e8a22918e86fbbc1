package io.kafkabridge.bench.springstomp;

import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

/**
 * The textbook STOMP setup: in-memory simple broker for /topic, application prefix /app, one endpoint as plain
 * WebSocket and one with the SockJS fallback. Channel thread pools and WebSocket transport limits stay at Spring's
 * defaults on purpose (see README.md): this peer is the baseline "most teams" deploy.
 */
@Configuration
@EnableWebSocketMessageBroker
public class WebSocketConfig implements WebSocketMessageBrokerConfigurer {

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.enableSimpleBroker("/topic");
        registry.setApplicationDestinationPrefixes("/app");
    }

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        registry.addEndpoint("/stomp").setAllowedOriginPatterns("*");
        registry.addEndpoint("/stomp-sockjs").setAllowedOriginPatterns("*").withSockJS();
    }
}
