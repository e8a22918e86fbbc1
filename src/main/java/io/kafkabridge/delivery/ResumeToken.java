package io.kafkabridge.delivery;

import org.apache.kafka.common.TopicPartition;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A subscription's position in Kafka, as the {@code resume} header carries it: for every partition that fed the address
 * so far, the offset of the next record to deliver, and a baseline time for the partitions not named (none of their
 * records at or after it reached the subscription). Opaque to clients: URL-safe base64 of a small binary form with a
 * checksum, so that a truncated or altered token is refused rather than read as another position.
 * <p>
 * A token only says where to start; what a replay delivers is always what the subscribed address gets, so a token
 * taken from another address reads nothing of that address.
 */
public record ResumeToken(long baselineMs, Map<TopicPartition, Long> positions) {

    /** Longest token accepted in a {@code since} header, in characters. */
    public static final int MAX_LENGTH = 16 * 1024;
    private static final byte VERSION = 1;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    public ResumeToken {
        positions = Collections.unmodifiableMap(new LinkedHashMap<>(positions));
    }

    /**
     * @return the next offset to deliver of the partition, or {@code null} when the token does not name it (then: its
     * first record at or after {@link #baselineMs})
     */
    public Long position(TopicPartition partition) {
        return positions.get(partition);
    }

    /**
     * @return the token's text: URL-safe base64 without padding
     */
    public String encode() {
        return encode(baselineMs, positions);
    }

    /** The order of the positions in a token's bytes: topic, then partition. */
    private static final Comparator<Map.Entry<TopicPartition, Long>> POSITION_ORDER = Comparator
        .<Map.Entry<TopicPartition, Long>, String>comparing(e -> e.getKey().topic())
        .thenComparingInt(e -> e.getKey().partition());

    /**
     * Encodes without building a token first (per delivered message).
     */
    public static String encode(long baselineMs, Map<TopicPartition, Long> positions) {
        // grouped by topic, in a stable order (topics, then partitions, ascending): equal positions give equal tokens;
        // sorted as one array, not a tree per topic (encoded for every message of an address)
        @SuppressWarnings("unchecked")
        Map.Entry<TopicPartition, Long>[] sorted = positions.entrySet().toArray(new Map.Entry[0]);
        if (sorted.length > 1) {
            Arrays.sort(sorted, POSITION_ORDER);
        }
        int topics = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || !sorted[i].getKey().topic().equals(sorted[i - 1].getKey().topic())) {
                topics++;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + positions.size() * 8);
        out.write(VERSION);
        writeVarLong(out, baselineMs);
        writeVarLong(out, topics);
        for (int start = 0; start < sorted.length; ) {
            String topic = sorted[start].getKey().topic();
            int end = start + 1;
            while (end < sorted.length && sorted[end].getKey().topic().equals(topic)) {
                end++;
            }
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            writeVarLong(out, name.length);
            out.write(name, 0, name.length);
            writeVarLong(out, end - start);
            for (int i = start; i < end; i++) {
                writeVarLong(out, sorted[i].getKey().partition());
                writeVarLong(out, sorted[i].getValue());
            }
            start = end;
        }
        CRC32 crc = new CRC32();
        byte[] body = out.toByteArray();
        crc.update(body);
        return ENCODER.encodeToString(ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array());
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with the text: too long, not base64url, a bad checksum, an
     *                                  unknown version, or a truncated or impossible body
     */
    public static ResumeToken decode(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a resume token has at most " + MAX_LENGTH + " characters");
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a resume token (URL-safe base64 expected)");
        }
        if (bytes.length < 6) {
            throw new IllegalArgumentException("not a resume token (too short)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IllegalArgumentException("not a resume token (checksum mismatch: truncated or altered)");
        }
        try {
            if (in.get() != VERSION) {
                throw new IllegalArgumentException("unknown resume token version");
            }
            long baseline = readVarLong(in);
            long topics = readVarLong(in);
            Map<TopicPartition, Long> positions = new LinkedHashMap<>();
            for (long t = 0; t < topics; t++) {
                int length = checkedInt(readVarLong(in), in.remaining());
                byte[] name = new byte[length];
                in.get(name);
                String topic = new String(name, StandardCharsets.UTF_8);
                long count = readVarLong(in);
                for (long p = 0; p < count; p++) {
                    int partition = checkedInt(readVarLong(in), Integer.MAX_VALUE);
                    positions.put(new TopicPartition(topic, partition), readVarLong(in));
                }
            }
            if (in.hasRemaining() || topics > bytes.length) {
                throw new IllegalArgumentException("not a resume token (trailing bytes)");
            }
            return new ResumeToken(baseline, positions);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("not a resume token (truncated)");
        }
    }

    /**
     * @return this token's positions, raised to {@code other}'s where {@code other} is further; this token's baseline
     */
    public ResumeToken merge(Map<TopicPartition, Long> other) {
        Map<TopicPartition, Long> merged = new LinkedHashMap<>(positions);
        other.forEach((partition, offset) -> merged.merge(partition, offset, Math::max));
        return new ResumeToken(baselineMs, merged);
    }

    /**
     * @return the partitions named, in a stable order (tests, logs)
     */
    public List<TopicPartition> partitions() {
        List<TopicPartition> list = new ArrayList<>(positions.keySet());
        list.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        return list;
    }

    private static int checkedInt(long value, int max) {
        if (value > max) {
            throw new IllegalArgumentException("not a resume token (a length or partition out of range)");
        }
        return (int) value;
    }

    private static void writeVarLong(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative value in a resume token: " + value);
        }
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarLong(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("not a resume token (a number out of range)");
    }
}
