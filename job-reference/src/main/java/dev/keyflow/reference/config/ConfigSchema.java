package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyflow.core.KeyflowConfigException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * The shape of the configuration, read from the records' components (a record is a section, its
 * components in kebab-case are the keys): what the loader needs to name the known keys in a
 * message, to fill absent sections and to turn a command-line override into the YAML value it
 * stands for.
 */
final class ConfigSchema {

    /** What a key holds. */
    enum Kind {
        SECTION,
        MAP,
        LIST,
        INTEGER,
        DECIMAL,
        BOOLEAN,
        DURATION,
        ENUM,
        STRING
    }

    /** One key: its kind, its Java type and, for a section, its keys in declaration order. */
    record Key(Kind kind, Class<?> type, Map<String, Key> keys) {}

    static final Key ROOT = of(ReferenceConfig.class);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ConfigSchema() {}

    private static Key of(Class<?> type) {
        if (type.isRecord()) {
            Map<String, Key> keys = new LinkedHashMap<>();
            for (RecordComponent c : type.getRecordComponents()) {
                keys.put(yamlName(c.getName()), of(c.getType()));
            }
            return new Key(Kind.SECTION, type, Collections.unmodifiableMap(keys));
        }
        Kind kind;
        if (Map.class.isAssignableFrom(type)) {
            kind = Kind.MAP;
        } else if (List.class.isAssignableFrom(type)) {
            kind = Kind.LIST;
        } else if (type == int.class || type == Integer.class) {
            kind = Kind.INTEGER;
        } else if (type == double.class || type == Double.class) {
            kind = Kind.DECIMAL;
        } else if (type == boolean.class || type == Boolean.class) {
            kind = Kind.BOOLEAN;
        } else if (type == Duration.class) {
            kind = Kind.DURATION;
        } else if (type.isEnum()) {
            kind = Kind.ENUM;
        } else {
            kind = Kind.STRING;
        }
        return new Key(kind, type, Map.of());
    }

    /** {@code maxBufferedPerKey} -> {@code max-buffered-per-key}, as the mapper names it. */
    static String yamlName(String javaName) {
        return PropertyNamingStrategies.KebabCaseStrategy.INSTANCE.translate(javaName);
    }

    /** The section at {@code path} (dotted, empty for the top level), or null if there is none. */
    @Nullable
    static Key section(String path) {
        Key key = ROOT;
        if (!path.isEmpty()) {
            for (String name : path.split("\\.")) {
                key = key.keys().get(name);
                if (key == null || key.kind() != Kind.SECTION) {
                    return null;
                }
            }
        }
        return key;
    }

    /** "known keys under pipeline.async: capacity, timeout, ..." or "known sections: job, ...". */
    static String knownKeys(String sectionPath, Key section) {
        String names = String.join(", ", section.keys().keySet());
        return sectionPath.isEmpty()
                ? "known sections: " + names
                : "known keys under " + sectionPath + ": " + names;
    }

    /** What a value of {@code type} looks like, for "'x' is not ..." and "expected ...". */
    static String describe(Class<?> type) {
        return describe(of(type));
    }

    static String describe(Key key) {
        return switch (key.kind()) {
            case SECTION -> "a section with the keys " + String.join(", ", key.keys().keySet());
            case MAP -> "a mapping of names to values";
            case LIST -> "a list (in an override: comma-separated values)";
            case INTEGER -> "an integer";
            case DECIMAL -> "a number";
            case BOOLEAN -> "true or false";
            case DURATION -> "a duration (" + Durations.EXPECTED + ")";
            case ENUM -> "one of " + enumValues(key.type());
            case STRING -> "a string";
        };
    }

    private static String enumValues(Class<?> type) {
        return Arrays.stream(type.getEnumConstants())
                .map(e -> ((Enum<?>) e).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
    }

    /** Puts an empty mapping wherever a section is absent or null, so every section binds. */
    static void fillSections(ObjectNode node, Key section) {
        section.keys()
                .forEach(
                        (name, key) -> {
                            if (key.kind() != Kind.SECTION) {
                                return;
                            }
                            JsonNode child = node.get(name);
                            if (child == null || child.isNull()) {
                                fillSections(node.putObject(name), key);
                            } else if (child instanceof ObjectNode object) {
                                fillSections(object, key);
                            }
                            // Anything else is left for the binding to report with its path.
                        });
    }

    /**
     * Sets {@code path} to {@code value} in {@code root} as YAML would hold it: an integer or
     * boolean where the key is one (when the text is one; otherwise the text, which the binding
     * then rejects with the key's name), a list split at commas, null for an empty value (the
     * default), and text for everything else. Inside {@code kafka.properties} the rest of the path
     * is the property name, dots included.
     */
    static void applyOverride(ObjectNode root, String path, String value) {
        if (path.isBlank() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new KeyflowConfigException(
                    "'" + path + "' is not a key path; write it like pipeline.async.capacity");
        }
        String[] names = path.split("\\.");
        Key section = ROOT;
        ObjectNode node = root;
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            String parent = at.toString();
            if (i > 0) {
                at.append('.');
            }
            at.append(name);
            Key key = section.keys().get(name);
            if (key == null) {
                throw fail(at.toString(), "unknown key; " + knownKeys(parent, section));
            }
            boolean last = i == names.length - 1;
            switch (key.kind()) {
                case SECTION -> {
                    if (last) {
                        throw fail(
                                at.toString(),
                                "is a section; override one of its keys ("
                                        + knownKeys(at.toString(), key)
                                        + ")");
                    }
                    node = childSection(node, name, at.toString());
                    section = key;
                }
                case MAP -> {
                    if (last) {
                        throw fail(
                                at.toString(),
                                "is a mapping; override its entries as " + at + ".<name>=<value>");
                    }
                    String entry = String.join(".", Arrays.copyOfRange(names, i + 1, names.length));
                    ObjectNode map = childSection(node, name, at.toString());
                    map.put(entry, value);
                    return;
                }
                default -> {
                    if (!last) {
                        throw fail(
                                at.toString(),
                                "is "
                                        + describe(key)
                                        + ", not a section; "
                                        + at
                                        + "."
                                        + names[i + 1]
                                        + " does not exist");
                    }
                    node.set(name, leaf(key, value));
                    return;
                }
            }
        }
    }

    private static ObjectNode childSection(ObjectNode node, String name, String path) {
        JsonNode child = node.get(name);
        if (child == null || child.isNull()) {
            return node.putObject(name);
        }
        if (child instanceof ObjectNode object) {
            return object;
        }
        throw fail(path, "must be a mapping, not '" + child.asText() + "'");
    }

    private static JsonNode leaf(Key key, String value) {
        String text = value.trim();
        if (key.kind() == Kind.LIST) {
            ArrayNode list = NODES.arrayNode();
            Arrays.stream(text.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .forEach(list::add);
            return list;
        }
        if (text.isEmpty()) {
            return NODES.nullNode();
        }
        if (key.kind() == Kind.INTEGER && text.matches("[+-]?\\d{1,18}")) {
            return NODES.numberNode(Long.parseLong(text));
        }
        if (key.kind() == Kind.DECIMAL && text.matches("[+-]?\\d{1,15}(\\.\\d{1,15})?")) {
            return NODES.numberNode(Double.parseDouble(text));
        }
        if (key.kind() == Kind.BOOLEAN
                && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
            return NODES.booleanNode(Boolean.parseBoolean(text.toLowerCase(Locale.ROOT)));
        }
        return NODES.textNode(text);
    }
}
