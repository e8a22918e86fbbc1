package io.kafkabridge.bench.springstomp;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Benchmark peer: Kafka records of one topic fanned out to STOMP subscribers by Spring's simple broker. */
@SpringBootApplication
public class SpringStompPeerApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpringStompPeerApplication.class, args);
    }
}
