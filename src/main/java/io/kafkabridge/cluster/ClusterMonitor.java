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

    /** How long a node that was cut off waits for its merge back before it concludes the others are gone. */
    public static final long SUSPECT_MS = 60_000;
    /** Kafka fencing and a member leaving this close together mean this node was the one cut off. */
    private static final long CORRELATION_MS = 30_000;
    /**
     * A node whose process stood still this long (SIGSTOP, a VM freeze, a stop-the-world pause) may have been dropped by
     * the others (failure detection: 8 s in cluster.xml) and missed what they published meanwhile, whichever side the
     * merge later keeps: its clients are told to reconnect, so that none of them silently has a gap.
     */
    public static final long PAUSE_MS = 5_000;
    private static final long TICK_MS = 1_000;

    private final ClusterManager clusterManager;
    private Vertx vertx;
    private io.vertx.core.Context context;
    private long lastMemberLeftAt = -CORRELATION_MS;
    private long lastPartitionsLostAt = -CORRELATION_MS;
    private long unstableUntil;
    private long settleTimer = -1;
    private boolean merging;
    private volatile boolean stable = true;
    private HazelcastInstance hazelcast;
    private UUID membershipRegistration;
    private UUID lifecycleRegistration;
    private long pauseTimer = -1;
    private long lastTickNanos;

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
        this.context = vertx.getOrCreateContext();
        hazelcast = instance;
        LOG.info("Node {} is in cluster \"{}\" with {} member(s): {}", clusterManager.getNodeId(),
            instance.getConfig().getClusterName(), instance.getCluster().getMembers().size(), instance.getCluster().getMembers());
        watchForPauses();
        membershipRegistration = instance.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                LOG.info("Cluster member joined: {} ({} member(s) now)", event.getMember(), event.getMembers().size());
                // a member that merged into this node's side heals the split seen from here
                context.runOnContext(v -> {
                    if (!stable && !merging) {
                        unstableUntil = 0;
                        unsettle(2_000, "member " + event.getMember() + " joined");
                    }
                });
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                LOG.warn("Cluster member left: {} ({} member(s) now); its Kafka partitions move to the others",
                    event.getMember(), event.getMembers().size());
                context.runOnContext(v -> {
                    lastMemberLeftAt = System.currentTimeMillis();
                    boolean cutOff = lastMemberLeftAt - lastPartitionsLostAt < CORRELATION_MS;
                    unsettle(cutOff ? SUSPECT_MS : SETTLE_MS, "member " + event.getMember() + " left"
                        + (cutOff ? " while this node was fenced by Kafka: waiting to merge back" : ""));
                });
            }
        });
        lifecycleRegistration = instance.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                LOG.warn("Node {} rejoined the cluster after a split: disconnecting its clients so that they reconnect "
                    + "and register again", clusterManager.getNodeId());
                vertx.eventBus().publish(RECONNECT_CLIENTS_ADDRESS, "node rejoined the cluster after a split; reconnect",
                    new DeliveryOptions().setLocalOnly(true));
                context.runOnContext(v -> {
                    merging = false;
                    unstableUntil = 0;
                    unsettle(2_000, "merged back");
                });
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGE_FAILED) {
                LOG.error("Node {} failed to merge back into the cluster", clusterManager.getNodeId());
                context.runOnContext(v -> {
                    merging = false;
                    unsettle(SETTLE_MS, "merge failed");
                });
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
                LOG.warn("Node {} is merging back into the cluster after a split", clusterManager.getNodeId());
                context.runOnContext(v -> {
                    merging = true;
                    unsettle(SUSPECT_MS, "merging");
                });
            }
        });
    }

    /**
     * Marks the cluster unstable now and stable again after {@code settleMs} without further change (and not while
     * merging). Runs on the event loop.
     */
    private void unsettle(long settleMs, String why) {
        long until = System.currentTimeMillis() + settleMs;
        if (stable) {
            LOG.warn("Cluster unsettled ({}): pausing the Kafka source for at least {} ms", why, settleMs);
            publishStability(false);
        } else {
            LOG.info("Cluster still unsettled: {}", why);
        }
        if (settleTimer >= 0 && until <= unstableUntil) {
            return;
        }
        unstableUntil = until;
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

    /**
     * The Kafka source was fenced (its session expired): if a member also left just now, this node was the one cut off
     * (paused, partitioned) and must not publish until it merged back. Call on the node's event loop.
     */
    public void recordPartitionsLost() {
        if (context == null) {
            return;
        }
        context.runOnContext(v -> {
            lastPartitionsLostAt = System.currentTimeMillis();
            if (lastPartitionsLostAt - lastMemberLeftAt < CORRELATION_MS) {
                unsettle(SUSPECT_MS, "Kafka fenced this node while a member left: waiting to merge back");
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
     * @return this node's id in the cluster, or {@code null} when not clustered
     */
    public String nodeId() {
        return clusterManager == null ? null : clusterManager.getNodeId();
    }

    /**
     * @return {@code true} unless the node is clustered and its cluster manager is no longer active
     */
    public boolean isJoined() {
        return clusterManager == null || clusterManager.isActive();
    }

    /**
     * Ticks every {@link #TICK_MS}; a tick that comes {@link #PAUSE_MS} late means the process stood still.
     */
    private void watchForPauses() {
        lastTickNanos = System.nanoTime();
        pauseTimer = vertx.setPeriodic(TICK_MS, id -> {
            long now = System.nanoTime();
            long stoodStillMs = (now - lastTickNanos) / 1_000_000 - TICK_MS;
            lastTickNanos = now;
            if (stoodStillMs >= PAUSE_MS) {
                LOG.warn("Node {} stood still for {} ms (over {} ms): the cluster may have dropped it meanwhile; "
                    + "disconnecting its clients so that they reconnect and know they may have missed records",
                    clusterManager.getNodeId(), stoodStillMs, PAUSE_MS);
                vertx.eventBus().publish(RECONNECT_CLIENTS_ADDRESS, "node was paused for " + stoodStillMs
                    + " ms and may have missed records; reconnect", new DeliveryOptions().setLocalOnly(true));
            }
        });
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
        if (pauseTimer >= 0) {
            vertx.cancelTimer(pauseTimer);
        }
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
