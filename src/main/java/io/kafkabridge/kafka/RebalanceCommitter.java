package io.kafkabridge.kafka;

import io.vertx.core.Context;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Makes partition revocation safe with vertx-kafka-client, whose rebalance handlers run later on the event loop, after
 * Kafka has already handed the partitions to another member (vertx-kafka-client issue 219).
 * <p>
 * {@link #wrap} returns the native consumer behind a proxy that adds a listener to every {@code subscribe}: when
 * partitions are revoked, the listener, still inside the consumer's {@code poll} and before the group moves on,
 * asks the verticle's event loop for the offsets of the records it published on those partitions (the event loop also
 * stops publishing records of those partitions from then on), then commits them synchronously. Lost partitions (the
 * member was fenced) are forgotten without commit.
 */
final class RebalanceCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(RebalanceCommitter.class);
    private static final long HANDOFF_TIMEOUT_MS = 5000;

    /**
     * What the verticle does, on its event loop, when partitions come and go.
     */
    interface Partitions {
        /**
         * Stops publishing the partitions' records and hands over the next offsets to commit for them.
         */
        Map<TopicPartition, OffsetAndMetadata> revoke(Collection<TopicPartition> partitions);

        /**
         * @return {@code true} when the partitions must start paused
         */
        boolean assign(Collection<TopicPartition> partitions);

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
            }
            try {
                return method.invoke(consumer, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Consumer<K, V>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[]{Consumer.class}, handler);
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
            Boolean pause = onEventLoop(partitions::assign, assigned);
            if (Boolean.TRUE.equals(pause) && !assigned.isEmpty()) {
                consumer.pause(assigned);
            }
            delegate.onPartitionsAssigned(assigned);
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
