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
import java.util.Objects;
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
 * position is {@code auto.offset.reset} only for a brand-new group; a partition or topic that is new to a group that
 * already committed offsets (partitions added to a topic, a new topic matching a pattern) is read from its
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
         * @return {@code true} when the partitions must start paused
         */
        boolean assign(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> committed);

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
                try {
                    place(assigned, committed, starts);
                } catch (RuntimeException e) {
                    LOG.warn("Starting positions of partitions {} not committed ({}); the next periodic commit tries again",
                        assigned, e.toString());
                }
                Boolean pause = onEventLoop(p -> partitions.assign(starts, committed), assigned);
                if (Boolean.TRUE.equals(pause)) {
                    consumer.pause(assigned);
                }
            }
            delegate.onPartitionsAssigned(assigned);
        }

        /**
         * Finds where each assigned partition starts and commits that position for the partitions the group had none
         * for.
         */
        private void place(Collection<TopicPartition> assigned, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> starts) {
            Set<TopicPartition> fresh = new HashSet<>();
            consumer.committed(new HashSet<>(assigned)).forEach((partition, offset) -> {
                if (offset != null) {
                    committed.put(partition, offset.offset());
                    starts.put(partition, offset.offset());
                }
            });
            for (TopicPartition partition : assigned) {
                if (!committed.containsKey(partition)) {
                    fresh.add(partition);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            if (isPlaced(fresh)) {
                consumer.seekToBeginning(fresh);
                LOG.info("Partitions {} are new to the group: reading them from their beginning", fresh);
            }
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            for (TopicPartition partition : fresh) {
                long position = consumer.position(partition);
                starts.put(partition, position);
                positions.put(partition, new OffsetAndMetadata(position));
            }
            consumer.commitSync(positions);
            positions.forEach((partition, position) -> committed.put(partition, position.offset()));
            LOG.info("Committed the starting positions {} of partitions the group had no offset for", positions);
        }

        /**
         * @return {@code true} when the group has committed offsets for other partitions of its topics: it was placed
         * before, and {@code fresh} appeared since
         */
        private boolean isPlaced(Set<TopicPartition> fresh) {
            Set<TopicPartition> others = new HashSet<>();
            for (String topic : consumer.subscription()) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic);
                if (infos != null) {
                    infos.forEach(info -> others.add(new TopicPartition(info.topic(), info.partition())));
                }
            }
            others.removeAll(fresh);
            return !others.isEmpty() && consumer.committed(others).values().stream().anyMatch(Objects::nonNull);
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
