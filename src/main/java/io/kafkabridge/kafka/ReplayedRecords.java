package io.kafkabridge.kafka;

import io.kafkabridge.routing.RecordRouter;
import io.kafkabridge.routing.RoutedMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * The messages of a replay, kept as one byte array per Kafka record until each goes out: the record routed again to
 * the address when it is read. A replay holds its records for as long as it takes to deliver them (seconds, paced); a
 * routed message is some fifteen objects (body, headers and their strings), and a node holding a hundred replays of a
 * thousand records each as such kept its collector copying them from one young collection to the next (pauses of up to
 * a second on one core). One array per record is one object to copy, and replays of one address share them.
 */
final class ReplayedRecords extends AbstractList<RoutedMessage> implements RandomAccess {

    private final List<byte[]> records;
    private final RecordRouter router;
    private final String address;

    ReplayedRecords(List<byte[]> records, RecordRouter router, String address) {
        this.records = records;
        this.router = router;
        this.address = address;
    }

    /**
     * @param index which of the record's messages to the address this is (0 unless several routes give it the address)
     */
    static byte[] encode(ConsumerRecord<byte[], byte[]> record, int index) {
        byte[] topic = record.topic().getBytes(StandardCharsets.UTF_8);
        int size = 4 + topic.length + 4 + 8 + 8 + 1 + 4 + 4 + length(record.key()) + 4 + length(record.value()) + 4;
        Header[] headers = record.headers().toArray();
        byte[][] names = new byte[headers.length][];
        for (int i = 0; i < headers.length; i++) {
            names[i] = headers[i].key().getBytes(StandardCharsets.UTF_8);
            size += 4 + names[i].length + 4 + length(headers[i].value());
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(topic.length).put(topic).putInt(record.partition()).putLong(record.offset()).putLong(record.timestamp())
            .put((byte) record.timestampType().id).putInt(index);
        putBytes(out, record.key());
        putBytes(out, record.value());
        out.putInt(headers.length);
        for (int i = 0; i < headers.length; i++) {
            putBytes(out, names[i]);
            putBytes(out, headers[i].value());
        }
        return out.array();
    }

    @Override
    public RoutedMessage get(int i) {
        ByteBuffer in = ByteBuffer.wrap(records.get(i));
        String topic = new String(getBytes(in), StandardCharsets.UTF_8);
        int partition = in.getInt();
        long offset = in.getLong();
        long timestamp = in.getLong();
        TimestampType type = timestampType(in.get());
        int index = in.getInt();
        byte[] key = getBytes(in);
        byte[] value = getBytes(in);
        RecordHeaders headers = new RecordHeaders();
        for (int count = in.getInt(); count > 0; count--) {
            headers.add(new String(getBytes(in), StandardCharsets.UTF_8), getBytes(in));
        }
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(topic, partition, offset, timestamp, type,
            key == null ? ConsumerRecord.NULL_SIZE : key.length, value == null ? ConsumerRecord.NULL_SIZE : value.length,
            key, value, headers, Optional.empty());
        List<RoutedMessage> messages = router.routeTo(record, address);
        if (index >= messages.size()) {
            throw new IllegalStateException("record " + topic + "-" + partition + "@" + offset + " no longer routes to " + address);
        }
        return messages.get(index);
    }

    @Override
    public int size() {
        return records.size();
    }

    private static TimestampType timestampType(int id) {
        for (TimestampType type : TimestampType.values()) {
            if (type.id == id) {
                return type;
            }
        }
        return TimestampType.NO_TIMESTAMP_TYPE;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        if (bytes == null) {
            out.putInt(-1);
        } else {
            out.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
