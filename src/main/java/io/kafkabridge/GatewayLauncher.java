package io.kafkabridge;

import io.kafkabridge.logging.LogFormat;
import io.kafkabridge.config.ConfigLoader;
import io.kafkabridge.metrics.GatewayMetrics;
import io.vertx.core.VertxOptions;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Launcher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The entry point of the fat jar: Vert.x's launcher with {@code run}-style arguments. {@code java -jar
 * kafka-eventbus-bridge.jar [-conf FILE] [-cluster] [-cluster-host H]} runs {@link MainVerticle}; {@code java -jar
 * kafka-eventbus-bridge.jar run io.kafkabridge.MainVerticle -cluster -conf FILE} works as with the {@code vertx}
 * command. A node that fails to start exits with status 1 after logging why.
 */
public class GatewayLauncher extends Launcher {

    /** Exit status of a node whose startup failed (bad config, Kafka unreachable, port taken). */
    public static final int STARTUP_FAILURE_STATUS = 1;
    /** Longest a graceful shutdown may take before Vert.x closes anyway. */
    public static final int SHUTDOWN_TIMEOUT_SECONDS = 30;

    public static void main(String[] args) {
        String badFormat = LogFormat.checkEnvironment(System.getenv(LogFormat.ENV));
        if (badFormat != null) {
            // before any logging: with no appender of that name, Logback would write nothing at all
            System.err.println("Startup failed, exiting: " + badFormat);
            System.exit(STARTUP_FAILURE_STATUS);
        }
        System.setProperty("hazelcast.phone.home.enabled", System.getProperty("hazelcast.phone.home.enabled", "false"));
        System.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "slf4j"));
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        new GatewayLauncher().dispatch(args);
    }

    /** The config given with {@code -conf}, empty without: Vert.x's metrics are set up before the node reads it. */
    private JsonObject givenConfig = new JsonObject();

    @Override
    public void afterConfigParsed(JsonObject config) {
        givenConfig = config == null ? new JsonObject() : config;
    }

    /**
     * Vert.x's own metrics (HTTP servers, event bus, pools, JVM) on a Prometheus registry, which {@code /metrics}
     * serves with the gateway's, unless {@code metrics.enabled} is false: then nothing is counted at all. The
     * configuration is read here as the node will read it (file, environment, system properties); one that cannot be
     * read leaves metrics on, and the node then fails to start naming the problem.
     */
    @Override
    public void beforeStartingVertx(VertxOptions options) {
        if (isMetricsEnabled(givenConfig)) {
            options.setMetricsOptions(GatewayMetrics.vertxMetricsOptions());
        }
    }

    private static boolean isMetricsEnabled(JsonObject given) {
        Vertx reader = Vertx.vertx();
        try {
            Object enabled = ConfigLoader.load(reader, given).await().getJsonObject("metrics", new JsonObject()).getValue("enabled");
            return !(Boolean.FALSE.equals(enabled) || "false".equals(enabled));
        } catch (RuntimeException e) {
            return true;
        } finally {
            reader.close();
        }
    }

    /**
     * SIGTERM (or Ctrl-C): stop the node in order before Vert.x closes and leaves the cluster.
     */
    @Override
    public void beforeStoppingVertx(Vertx vertx) {
        MainVerticle node = MainVerticle.current();
        if (node == null) {
            return;
        }
        try {
            node.shutdownGracefully().toCompletionStage().toCompletableFuture().get(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LoggerFactory.getLogger(GatewayLauncher.class).warn("Graceful shutdown incomplete after {} s: {}",
                SHUTDOWN_TIMEOUT_SECONDS, e.toString());
        }
    }

    @Override
    public void handleDeployFailed(Vertx vertx, String mainVerticle, DeploymentOptions deploymentOptions, Throwable cause) {
        Logger log = LoggerFactory.getLogger(GatewayLauncher.class);
        log.error("Startup failed, exiting: {}", cause.getMessage());
        vertx.close().onComplete(closed -> System.exit(STARTUP_FAILURE_STATUS));
    }
}
