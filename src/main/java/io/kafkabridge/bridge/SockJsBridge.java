package io.kafkabridge.bridge;

import io.kafkabridge.config.PermissionsOptions;
import io.vertx.core.Vertx;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The SockJS event-bus bridge ({@code vertx-eventbus.js} clients). Vert.x's bridge enforces the permitted-address
 * rules itself: a REGISTER or SEND on an address no rule permits is answered {@code {"type":"err","body":"access_denied"}}.
 */
public final class SockJsBridge {

    private static final Logger LOG = LoggerFactory.getLogger(SockJsBridge.class);

    private final AtomicLong openSockets = new AtomicLong();

    /**
     * @return the router to mount under the event-bus path
     */
    public Router createRouter(Vertx vertx, PermissionsOptions permissions) {
        SockJSBridgeOptions options = new SockJSBridgeOptions();
        for (PermittedOptions inbound : permissions.getInboundPermitteds()) {
            options.addInboundPermitted(new PermittedOptions(inbound));
        }
        for (PermittedOptions outbound : permissions.getOutboundPermitteds()) {
            options.addOutboundPermitted(new PermittedOptions(outbound));
        }
        SockJSHandler handler = SockJSHandler.create(vertx, new SockJSHandlerOptions().setRegisterWriteHandler(false));
        return handler.bridge(options, this::handleEvent);
    }

    private void handleEvent(BridgeEvent event) {
        switch (event.type()) {
            case SOCKET_CREATED:
                openSockets.incrementAndGet();
                LOG.debug("SockJS client {} connected", event.socket().remoteAddress());
                break;
            case SOCKET_CLOSED:
                openSockets.decrementAndGet();
                LOG.debug("SockJS client {} disconnected", event.socket().remoteAddress());
                break;
            case REGISTER:
                LOG.debug("SockJS client {} registers {}", event.socket().remoteAddress(),
                    event.getRawMessage() == null ? null : event.getRawMessage().getString("address"));
                break;
            default:
                break;
        }
        event.complete(true);
    }

    /**
     * @return the SockJS connections open now
     */
    public long openSockets() {
        return openSockets.get();
    }
}
