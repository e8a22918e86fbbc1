package io.kafkabridge.bench.clients;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.util.concurrent.TimeUnit;

/**
 * The Vert.x instance a load generator's connections run on, and its NetClients. A generator must hold every NetClient
 * it makes for the whole run: Vert.x 5 closes one that became unreachable (a cleaner, on garbage collection), and with
 * it every connection it made.
 */
public final class ClientVertx {

    private ClientVertx() {
    }

    /** Vert.x with the blocked-thread check relaxed: a generator's loops are busy by design. */
    public static Vertx create() {
        return Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(60_000));
    }

    /** A client without Nagle's delay (latency is measured) that gives up connecting after 30 s. */
    public static NetClientOptions netOptions() {
        return new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(30_000);
    }

    public static NetClient netClient(Vertx vertx) {
        return vertx.createNetClient(netOptions());
    }

    /** Closes Vert.x (at most 10 s) and exits with status 0. */
    public static void closeAndExit(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // exiting anyway
        }
        System.exit(0);
    }
}
