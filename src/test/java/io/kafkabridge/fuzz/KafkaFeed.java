package io.kafkabridge.fuzz;

import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.kafkabridge.fuzz.FuzzNode.PARTITIONS;
import static io.kafkabridge.fuzz.FuzzNode.TOPIC;
import static io.kafkabridge.fuzz.FuzzSettings.PRODUCE_EVERY_INPUTS;
import static io.kafkabridge.fuzz.FuzzSettings.RECORDS_PER_BATCH;

/** Produces batches of records (key alice, every partition) whenever the fuzzers signal, from its own thread. */
final class KafkaFeed implements Runnable {
    private final KafkaProducer<String, String> producer;
    private final Semaphore signal = new Semaphore(0);
    private final List<Future<RecordMetadata>> sent = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong inputs = new AtomicLong();
    private volatile boolean stopped;

    KafkaFeed(KafkaProducer<String, String> producer) {
        this.producer = producer;
    }

    void inputDone() {
        if (inputs.incrementAndGet() % PRODUCE_EVERY_INPUTS == 0) {
            signal.release();
        }
    }

    synchronized void produceBatch() {
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            long n = seq.incrementAndGet();
            int partition = (int) (n % PARTITIONS);
            String value = new JsonObject().put("seq", n).put("orderId", "F-" + n).put("status", "PAID").encode();
            sent.add(producer.send(new ProducerRecord<>(TOPIC, partition, "alice", value)));
        }
    }

    synchronized List<RecordMetadata> awaitAll() throws Exception {
        producer.flush();
        List<RecordMetadata> result = new ArrayList<>();
        for (Future<RecordMetadata> f : sent) {
            result.add(f.get(30, TimeUnit.SECONDS));
        }
        return result;
    }

    void stop() {
        stopped = true;
        signal.release();
    }

    @Override
    public void run() {
        try {
            while (true) {
                signal.acquire();
                if (stopped) {
                    return;
                }
                produceBatch();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
