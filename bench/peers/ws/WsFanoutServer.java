import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The transport ceiling of the fan-out benchmark: the least a Kafka-to-WebSocket fan-out can do. One Kafka consumer
 * thread reads partition 0 of a topic from its end; each poll's records are handed to one Vert.x event loop, which
 * writes every record's value, unchanged, as a binary WebSocket message to every connected socket. No protocol, no
 * subscriptions, no permissions, no identity, no JSON: what is left is Kafka consumption, one thread hop and the
 * WebSocket writes, i.e. what any gateway on Vert.x pays at least.
 * <p>
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/peers/ws/WsFanoutServer.java <kafkaBootstrap> <topic>}: listens
 * on 127.0.0.1, a free port, path {@code /ws}; prints {@code WS_READY <port>} once the consumer has its partition.
 */
public class WsFanoutServer {

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        List<ServerWebSocket> sockets = new ArrayList<>();
        // one event loop thread: sockets are accepted and written on it, so the list needs no lock
        Context loop = vertx.getOrCreateContext();
        int port = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true))
            .webSocketHandler(ws -> {
                if (!"/ws".equals(ws.path())) {
                    ws.close();
                    return;
                }
                sockets.add(ws);
                ws.closeHandler(v -> sockets.remove(ws));
                ws.handler(b -> { });
            })
            .listen().toCompletionStage().toCompletableFuture().get().actualPort();

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition);
        System.out.println("WS_READY " + port);
        System.out.flush();
        while (true) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            if (records.isEmpty()) {
                continue;
            }
            List<Buffer> values = new ArrayList<>(records.count());
            for (ConsumerRecord<byte[], byte[]> record : records) {
                values.add(Buffer.buffer(record.value()));
            }
            // in record order, on the one event loop
            loop.runOnContext(v -> {
                for (Buffer value : values) {
                    for (ServerWebSocket socket : sockets) {
                        socket.writeBinaryMessage(value);
                    }
                }
            });
        }
    }
}
