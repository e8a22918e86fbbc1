package io.kafkabridge;

import io.vertx.core.Launcher;

/**
 * The entry point of the fat jar: Vert.x's launcher with {@code run}-style arguments. {@code java -jar
 * kafka-eventbus-bridge.jar [-conf FILE] [-cluster] [-cluster-host H]} runs {@link MainVerticle}; {@code java -jar
 * kafka-eventbus-bridge.jar run io.kafkabridge.MainVerticle -cluster -conf FILE} works as with the {@code vertx}
 * command.
 */
public class GatewayLauncher extends Launcher {

    public static void main(String[] args) {
        System.setProperty("hazelcast.phone.home.enabled", System.getProperty("hazelcast.phone.home.enabled", "false"));
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        new GatewayLauncher().dispatch(args);
    }
}
