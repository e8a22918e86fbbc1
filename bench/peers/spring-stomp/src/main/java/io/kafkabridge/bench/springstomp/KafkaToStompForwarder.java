package io.kafkabridge.bench.springstomp;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.stereotype.Component;

/** Forwards every record value of the configured topic, as a String, to the STOMP destination /topic/{topic}. */
@Component
public class KafkaToStompForwarder {

    private final SimpMessagingTemplate messagingTemplate;

    public KafkaToStompForwarder(SimpMessagingTemplate messagingTemplate) {
        this.messagingTemplate = messagingTemplate;
    }

    @KafkaListener(topics = "${bench.topic}")
    public void forwardRecord(@Payload String value, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
        // default converters: a String payload goes out as text/plain;charset=UTF-8
        messagingTemplate.convertAndSend("/topic/" + topic, value);
    }
}
