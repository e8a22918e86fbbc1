import io.kafkabridge.config.EmbeddedKafkaOptions;
import io.kafkabridge.kafka.EmbeddedKafka;

import java.util.Arrays;
import java.util.List;

/**
 * A standalone single-node KRaft broker for the benchmarks, so that every server under test (the gateway and its
 * peers) reads the same broker from outside its own process. Uses the gateway's {@link EmbeddedKafka}.
 * <p>
 * {@code java -cp target/kafka-eventbus-bridge.jar bench/KafkaBroker.java <dataDir> <partitions> <topic>...}: creates the
 * topics, prints {@code KAFKA_READY <host:port>} on stdout and runs until killed (SIGTERM closes it cleanly).
 */
public class KafkaBroker {

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaOptions().setPort(0).setDataDir(args[0]));
        List<String> topics = Arrays.asList(args).subList(2, args.length);
        kafka.createTopics(topics, Integer.parseInt(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        System.out.println("KAFKA_READY " + kafka.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join(); // until killed: the shutdown hook closes the broker
    }
}
