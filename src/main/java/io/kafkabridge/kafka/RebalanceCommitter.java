package io.kafkabridge.kafka;

import io.vertx.core.Context;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Keeps partition hand-offs exact with vertx-kafka-client, whose rebalance handlers run later on the event loop, after
 * Kafka has already handed the partitions to another member (vertx-kafka-client issue 219).
 * <p>
 * {@link #wrap} returns the native consumer behind a proxy that adds a listener to every {@code subscribe}, run inside
 * the consumer's {@code poll} before the group moves on:
 * <ul>
 * <li>Assigned: a partition the group has no committed offset for gets one at once, at the position this member will
 * read from, so whoever owns it next (after a revocation, or after this member was killed) continues there. That
 * position is {@code auto.offset.reset} only for a brand-new group, which then records when it was placed in the
 * metadata of every offset it commits ({@code placed=<epoch ms>}). A partition or topic that is new to a placed group
 * (partitions added to a topic, a new topic matching a pattern) is read from the first record written since the group
 * was placed: from its beginning when it appeared later, at its end for members of a new group that start together
 * (whichever of them commits first). Offsets committed without that metadata place a fresh partition at its
 * beginning.</li>
 * <li>Revoked: the verticle's event loop stops publishing the partitions and hands over their positions (the last
 * record published, or where the partition started), which are committed synchronously.</li>
 * <li>Lost (this member was fenced): forgotten without commit.</li>
 * </ul>
 * The proxy also narrows {@code pause} and {@code resume} to the partitions the consumer owns when they run: Kafka
 * throws at the first partition it no longer owns and leaves the ones after it untouched.
 */
final class RebalanceCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(RebalanceCommitter.class);
    private static final long HANDOFF_TIMEOUT_MS = 5000;
    /** Prefix of the commit metadata that records when the group was placed. */
    static final String PLACED = "placed=";

    /**
     * What the verticle does, on its event loop, when partitions come and go.
     */
    interface Partitions {
        /**
         * Stops publishing the partitions' records and hands over their positions.
         */
        Map<TopicPartition, OffsetAndMetadata> revoke(Collection<TopicPartition> partitions);

        /**
         * Takes ownership of the partitions.
         *
         * @param starts    the first offset this member reads per partition
         * @param committed the offsets the group has committed, per partition (absent when unknown)
         * @param metadata  the metadata to commit offsets with from now on, or {@code null} to keep the current one
         * @return {@code true} when the partitions must start paused
         */
        boolean assign(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> committed, String metadata);

        /**
         * Forgets the partitions: they belong to another member already.
         */
        void lose(Collection<TopicPartition> partitions);
    }

    private RebalanceCommitter() {
    }

    @SuppressWarnings("unchecked")
    static <K, V> Consumer<K, V> wrap(Consumer<K, V> consumer, Context context, Partitions partitions) {
        InvocationHandler handler = (proxy, method, args) -> {
            if ("subscribe".equals(method.getName()) && args != null && args.length == 2
                && args[1] instanceof ConsumerRebalanceListener) {
                args = new Object[]{args[0], new Listener(consumer, context, partitions, (ConsumerRebalanceListener) args[1])};
            } else if (("pause".equals(method.getName()) || "resume".equals(method.getName())) && args != null
                && args.length == 1 && args[0] instanceof Collection) {
                args = new Object[]{owned(consumer, (Collection<TopicPartition>) args[0])};
            }
            try {
                return method.invoke(consumer, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Consumer<K, V>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[]{Consumer.class}, handler);
    }

    /**
     * @return when the group was placed, from an offset's metadata, or {@code null}
     */
    static Long placementOf(OffsetAndMetadata offset) {
        String metadata = offset.metadata();
        if (metadata != null && metadata.startsWith(PLACED)) {
            try {
                return Long.parseLong(metadata.substring(PLACED.length()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Long earliest(Long a, Long b) {
        return a == null ? b : b == null ? a : Math.min(a, b);
    }

    /**
     * @return those of {@code partitions} that the consumer owns now (call on the consumer's thread)
     */
    private static Set<TopicPartition> owned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<TopicPartition> owned = new HashSet<>(partitions);
        owned.retainAll(consumer.assignment());
        if (owned.size() < partitions.size()) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            gone.removeAll(owned);
            LOG.debug("Partitions {} left out of a pause/resume: no longer owned by this member", gone);
        }
        return owned;
    }

    private static final class Listener implements ConsumerRebalanceListener {
        private final Consumer<?, ?> consumer;
        private final Context context;
        private final Partitions partitions;
        private final ConsumerRebalanceListener delegate;

        Listener(Consumer<?, ?> consumer, Context context, Partitions partitions, ConsumerRebalanceListener delegate) {
            this.consumer = consumer;
            this.context = context;
            this.partitions = partitions;
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (!revoked.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = onEventLoop(partitions::revoke, revoked);
                if (offsets != null && !offsets.isEmpty()) {
                    try {
                        consumer.commitSync(offsets);
                        LOG.info("Committed {} before giving up partitions {}", offsets, revoked);
                    } catch (RuntimeException e) {
                        LOG.warn("Commit of {} on revocation failed (those records will be delivered again): {}", offsets, e.toString());
                    }
                }
            }
            delegate.onPartitionsRevoked(revoked);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (!assigned.isEmpty()) {
                Map<TopicPartition, Long> committed = new HashMap<>();
                Map<TopicPartition, Long> starts = new HashMap<>();
                String[] metadata = {null};
                try {
                    metadata[0] = place(assigned, committed, starts);
                } catch (RuntimeException e) {
                    LOG.warn("Starting positions of partitions {} not committed ({}); the next periodic commit tries again",
                        assigned, e.toString());
                }
                Boolean pause = onEventLoop(p -> partitions.assign(starts, committed, metadata[0]), assigned);
                if (Boolean.TRUE.equals(pause)) {
                    consumer.pause(assigned);
                }
            }
            delegate.onPartitionsAssigned(assigned);
        }

        /**
         * Finds where each assigned partition starts and commits that position for the partitions the group had none
         * for.
         *
         * @return the commit metadata of the group ({@code placed=<epoch ms>}), or {@code null} when none is known
         */
        private String place(Collection<TopicPartition> assigned, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> starts) {
            Long placedAt = null;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : consumer.committed(new HashSet<>(assigned)).entrySet()) {
                if (entry.getValue() != null) {
                    committed.put(entry.getKey(), entry.getValue().offset());
                    starts.put(entry.getKey(), entry.getValue().offset());
                    placedAt = earliest(placedAt, placementOf(entry.getValue()));
                }
            }
            Set<TopicPartition> fresh = new HashSet<>(assigned);
            fresh.removeAll(committed.keySet());
            if (fresh.isEmpty()) {
                return placedAt == null ? null : PLACED + placedAt;
            }
            Map<TopicPartition, OffsetAndMetadata> others = committedElsewhere(fresh);
            if (others.isEmpty()) {
                // a brand-new group: auto.offset.reset places it, now
                placedAt = earliest(placedAt, System.currentTimeMillis());
            } else {
                Long groupPlacedAt = null;
                for (OffsetAndMetadata offset : others.values()) {
                    groupPlacedAt = earliest(groupPlacedAt, placementOf(offset));
                }
                placedAt = earliest(placedAt, groupPlacedAt);
                seekSince(fresh, groupPlacedAt);
            }
            String metadata = PLACED + placedAt;
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            for (TopicPartition partition : fresh) {
                long position = consumer.position(partition);
                starts.put(partition, position);
                positions.put(partition, new OffsetAndMetadata(position, metadata));
            }
            consumer.commitSync(positions);
            positions.forEach((partition, position) -> committed.put(partition, position.offset()));
            LOG.info("Committed the starting positions {} of partitions the group had no offset for", positions);
            return metadata;
        }

        /**
         * Places partitions new to a placed group at the first record written since the group was placed (at their
         * beginning when that time is unknown).
         */
        private void seekSince(Set<TopicPartition> fresh, Long groupPlacedAt) {
            if (groupPlacedAt == null) {
                consumer.seekToBeginning(fresh);
                LOG.info("Partitions {} are new to the group: reading them from their beginning", fresh);
                return;
            }
            Map<TopicPartition, Long> times = new HashMap<>();
            fresh.forEach(partition -> times.put(partition, groupPlacedAt));
            Set<TopicPartition> none = new HashSet<>(fresh);
            consumer.offsetsForTimes(times).forEach((partition, found) -> {
                if (found != null) {
                    consumer.seek(partition, found.offset());
                    none.remove(partition);
                }
            });
            if (!none.isEmpty()) {
                consumer.seekToEnd(none);
            }
            LOG.info("Partitions {} are new to the group: reading them from the first record written since the group "
                + "was placed ({})", fresh, java.time.Instant.ofEpochMilli(groupPlacedAt));
        }

        /**
         * @return the committed offsets of the other partitions of the subscribed topics: empty for a brand-new group
         */
        private Map<TopicPartition, OffsetAndMetadata> committedElsewhere(Set<TopicPartition> fresh) {
            Set<TopicPartition> others = new HashSet<>();
            for (String topic : consumer.subscription()) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic);
                if (infos != null) {
                    infos.forEach(info -> others.add(new TopicPartition(info.topic(), info.partition())));
                }
            }
            others.removeAll(fresh);
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            if (!others.isEmpty()) {
                consumer.committed(others).forEach((partition, offset) -> {
                    if (offset != null) {
                        committed.put(partition, offset);
                    }
                });
            }
            return committed;
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (!lost.isEmpty()) {
                LOG.warn("Kafka partitions {} were lost by this member (fenced); they are consumed elsewhere now", lost);
                onEventLoop(p -> {
                    partitions.lose(p);
                    return null;
                }, lost);
            }
            delegate.onPartitionsLost(lost);
        }

        private <T> T onEventLoop(Function<Collection<TopicPartition>, T> action, Collection<TopicPartition> argument) {
            CompletableFuture<T> result = new CompletableFuture<>();
            context.runOnContext(v -> {
                try {
                    result.complete(action.apply(argument));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            try {
                return result.get(HANDOFF_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (Exception e) {
                LOG.warn("Rebalance hand-off for {} did not complete: {}", argument, e.toString());
                return null;
            }
        }
    }
}
