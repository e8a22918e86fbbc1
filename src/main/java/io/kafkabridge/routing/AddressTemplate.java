package io.kafkabridge.routing;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An event-bus address template such as {@code user.{key}.orders}, parsed once at startup.
 * <p>
 * Placeholders: {@code {topic}}, {@code {key}} (UTF-8 key), {@code {partition}} and {@code {header:NAME}} (the
 * last record header of that name, UTF-8). A literal brace is written {@code {{} } or {@code {}}}.
 */
public final class AddressTemplate {

    private interface Part {
        /**
         * @return the text of this part for the record, or {@code null} when the record has no such value
         */
        String render(ConsumerRecord<byte[], byte[]> record);
    }

    private final String source;
    private final List<Part> parts;
    private final List<String> placeholders;
    /** What the template can render: literal parts quoted, a placeholder any non-empty text. */
    private final Pattern matcher;
    /** The parts in order: a literal's text, or {@code null} for a placeholder. */
    private final List<String> literals;

    private AddressTemplate(String source, List<Part> parts, List<String> placeholders, Pattern matcher, List<String> literals) {
        this.source = source;
        this.literals = literals;
        this.parts = parts;
        this.placeholders = Collections.unmodifiableList(placeholders);
        this.matcher = matcher;
    }

    /**
     * @throws IllegalArgumentException naming the problem and its position
     */
    public static AddressTemplate parse(String template) {
        if (template == null || template.isEmpty()) {
            throw new IllegalArgumentException("address template must not be empty");
        }
        List<Part> parts = new ArrayList<>();
        List<String> placeholders = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        StringBuilder regex = new StringBuilder();
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && template.startsWith("{{}", i)) {
                literal.append('{');
                i += 3;
            } else if (c == '{' && template.startsWith("{}}", i)) {
                literal.append('}');
                i += 3;
            } else if (c == '{') {
                int end = template.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '{' at position " + i + " in \"" + template + "\"");
                }
                String name = template.substring(i + 1, end);
                if (literal.length() > 0) {
                    String text = literal.toString();
                    parts.add(record -> text);
                    regex.append(Pattern.quote(text));
                    literals.add(text);
                    literal.setLength(0);
                }
                parts.add(placeholder(name, template));
                regex.append("(?s:.+)");
                literals.add(null);
                placeholders.add(name);
                i = end + 1;
            } else if (c == '}') {
                throw new IllegalArgumentException("unmatched '}' at position " + i + " in \"" + template + "\"");
            } else {
                literal.append(c);
                i++;
            }
        }
        if (literal.length() > 0) {
            String text = literal.toString();
            parts.add(record -> text);
            regex.append(Pattern.quote(text));
            literals.add(text);
        }
        return new AddressTemplate(template, List.copyOf(parts), placeholders, Pattern.compile(regex.toString()),
            Collections.unmodifiableList(literals));
    }

    private static Part placeholder(String name, String template) {
        switch (name) {
            case "topic":
                return ConsumerRecord::topic;
            case "partition":
                return record -> Integer.toString(record.partition());
            case "key":
                return record -> record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            default:
                if (name.startsWith("header:") && name.length() > "header:".length()) {
                    String header = name.substring("header:".length());
                    return record -> {
                        Header last = record.headers().lastHeader(header);
                        return last == null || last.value() == null ? null : new String(last.value(), StandardCharsets.UTF_8);
                    };
                }
                throw new IllegalArgumentException("unknown placeholder {" + name + "} in \"" + template
                    + "\" (known: {topic}, {key}, {partition}, {header:NAME})");
        }
    }

    /**
     * @return the address for this record, or {@code null} when a placeholder has no value (a null key for
     * {@code {key}}, a missing header) or renders empty
     */
    public String render(ConsumerRecord<byte[], byte[]> record) {
        if (parts.size() == 1) {
            String only = parts.get(0).render(record);
            return only == null || only.isEmpty() ? null : only;
        }
        StringBuilder address = new StringBuilder(source.length() + 16);
        for (Part part : parts) {
            String text = part.render(record);
            if (text == null || text.isEmpty()) {
                return null;
            }
            address.append(text);
        }
        return address.toString();
    }

    /**
     * @return {@code true} when some record could be routed to {@code address} by this template (its literal parts in
     * place, every placeholder at least one character): which routes a replay of the address must read
     */
    public boolean canRender(String address) {
        return matcher.matcher(address).matches();
    }

    /**
     * @return {@code true} when some record of {@code topic} could be routed to {@code address} by this template:
     * {@code {topic}} stands for the topic itself, {@code {partition}} for a number
     */
    public boolean canRender(String address, String topic) {
        if (!placeholders.contains("topic") && !placeholders.contains("partition")) {
            return canRender(address);
        }
        StringBuilder regex = new StringBuilder();
        int placeholder = 0;
        for (String literal : literals) {
            if (literal != null) {
                regex.append(Pattern.quote(literal));
                continue;
            }
            String name = placeholders.get(placeholder++);
            regex.append(switch (name) {
                case "topic" -> Pattern.quote(topic);
                case "partition" -> "[0-9]+";
                default -> "(?s:.+)";
            });
        }
        return Pattern.matches(regex.toString(), address);
    }

    /**
     * @return the placeholder names in order of appearance, e.g. {@code [key]} or {@code [header:tenant, topic]}
     */
    public List<String> placeholders() {
        return placeholders;
    }

    @Override
    public String toString() {
        return source;
    }
}
