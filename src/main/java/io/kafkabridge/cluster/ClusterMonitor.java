package io.kafkabridge.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Watches this node's cluster membership: logs members joining and leaving, reports membership for {@code /ready},
 * and, when this node comes back from a split (a pause past the failure timeout, a network partition), asks the
 * bridges to disconnect their clients so that they reconnect and register afresh: a node must never keep clients whose
 * cluster-wide registrations were dropped while it was away (vert.x issues 4394, 5202).
 */
public final class ClusterMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMonitor.class);
    /** Local event-bus address on which the bridges are told to disconnect every client; the body is the reason. */
    public static final String RECONNECT_CLIENTS_ADDRESS = "kafka-eventbus-bridge.node.reconnect-clients";
    /**
     * Local event-bus address of the cluster's stability: {@code true} when records may be published, {@code false}
     * while membership is settling after a member left or while this node merges back after a split.
     */
    public static final String STABILITY_ADDRESS = "kafka-eventbus-bridge.node.cluster-stable";
    /**
     * How long membership must stay unchanged after a member left before publishing resumes. A node that was cut off
     * sees the others "leave" too and cannot tell; Hazelcast starts merging it back within 10 s (merge runs every 5 s),
     * so publishing waits longer than that: records are never published to a partial cluster.
     */
    public static final long SETTLE_MS = 12_000;

    private final ClusterManager clusterManager;
    private Vertx vertx;
    private long settleTimer = -1;
    private boolean merging;
    private volatile boolean stable = true;
    private HazelcastInstance hazelcast;
    private UUID membershipRegistration;
    private UUID lifecycleRegistration;

    private ClusterMonitor(ClusterManager clusterManager) {
        this.clusterManager = clusterManager;
    }

    /**
     * @return a monitor; one that reports "not clustered" when Vert.x was started without {@code -cluster}
     */
    public static ClusterMonitor start(Vertx vertx) {
        ClusterManager manager = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
        ClusterMonitor monitor = new ClusterMonitor(manager);
        if (manager instanceof HazelcastClusterManager) {
            monitor.watch(vertx, ((HazelcastClusterManager) manager).getHazelcastInstance());
        }
        return monitor;
    }

    private void watch(Vertx vertx, HazelcastInstance instance) {
        this.vertx = vertx;
        hazelcast = instance;
        LOG.info("Node {} is in cluster \"{}\" with {} member(s): {}", clusterManager.getNodeId(),
            instance.getConfig().getClusterName(), instance.getCluster().getMembers().size(), instance.getCluster().getMembers());
        membershipRegistration = instance.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                LOG.info("Cluster member joined: {} ({} member(s) now)", event.getMember(), event.getMembers().size());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                LOG.warn("Cluster member left: {} ({} member(s) now); its Kafka partitions move to the others",
                    event.getMember(), event.getMembers().size());
                vertx.runOnContext(v -> unsettle(SETTLE_MS, "member " + event.getMember() + " left"));
            }
        });
        lifecycleRegistration = instance.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                LOG.warn("Node {} rejoined the cluster after a split: disconnecting its clients so that they reconnect "
                    + "and register again", clusterManager.getNodeId());
                vertx.eventBus().publish(RECONNECT_CLIENTS_ADDRESS, "node rejoined the cluster after a split; reconnect",
                    new DeliveryOptions().setLocalOnly(true));
                vertx.runOnContext(v -> {
                    merging = false;
                    unsettle(2_000, "merged back");
                });
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
                LOG.warn("Node {} is merging back into the cluster after a split", clusterManager.getNodeId());
                vertx.runOnContext(v -> {
                    merging = true;
                    unsettle(SETTLE_MS, "merging");
                });
            }
        });
    }

    /**
     * Marks the cluster unstable now and stable again after {@code settleMs} without further change (and not while
     * merging). Runs on the event loop.
     */
    private void unsettle(long settleMs, String why) {
        if (stable) {
            LOG.warn("Cluster unsettled ({}): pausing the Kafka source for at least {} ms", why, settleMs);
            publishStability(false);
        }
        if (settleTimer >= 0) {
            vertx.cancelTimer(settleTimer);
        }
        settleTimer = vertx.setTimer(settleMs, id -> {
            settleTimer = -1;
            if (!merging) {
                LOG.info("Cluster settled with {} member(s): resuming the Kafka source", clusterManager.getNodes().size());
                publishStability(true);
            }
        });
    }

    private void publishStability(boolean value) {
        stable = value;
        vertx.eventBus().publish(STABILITY_ADDRESS, value, new DeliveryOptions().setLocalOnly(true));
    }

    /**
     * @return {@code false} while membership settles or this node merges back
     */
    public boolean isStable() {
        return stable;
    }

    public boolean isClustered() {
        return clusterManager != null;
    }

    /**
     * @return {@code {"clustered": bool, "nodeId": .., "members": n}}
     */
    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("clustered", isClustered());
        if (isClustered()) {
            json.put("nodeId", clusterManager.getNodeId()).put("members", clusterManager.getNodes().size()).put("stable", stable);
        }
        return json;
    }

    public void close() {
        if (hazelcast != null && hazelcast.getLifecycleService().isRunning()) {
            try {
                hazelcast.getCluster().removeMembershipListener(membershipRegistration);
                hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
            } catch (RuntimeException e) {
                LOG.debug("Cluster listeners not removed: {}", e.toString());
            }
        }
    }
}
