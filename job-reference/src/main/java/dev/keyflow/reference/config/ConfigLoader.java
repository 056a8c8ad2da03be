package dev.keyflow.reference.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.keyflow.core.KeyflowConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * Reads the reference job's {@link ReferenceConfig}: one YAML file, then command-line overrides
 * applied to its tree, then binding and checks. Anything wrong is a {@link KeyflowConfigException}
 * whose message starts with the full dotted key and says what is allowed.
 *
 * <pre>{@code
 * // flink run job.jar --config /etc/keyflow/orders.yaml \
 * //         --set pipeline.async.capacity=500 --kafka.bootstrap-servers broker:9092
 * ReferenceConfig config = ConfigLoader.fromArgs(args);
 *
 * ReferenceConfig fromFile = ConfigLoader.load(Path.of("orders.yaml"), Map.of());
 * ReferenceConfig inTests = ConfigLoader.parse(yaml, Map.of("job.parallelism", "1"));
 * }</pre>
 *
 * <p><b>Strict.</b> Unknown keys, duplicate keys, a value of the wrong type (a float or a quoted
 * number for an integer, a number for a boolean), an unknown enum value, a malformed duration, a
 * value out of range, an empty file, a top level that is not a mapping and a second YAML document
 * are all refused; so are overrides of unknown keys. Absent keys and keys set to null take their
 * defaults.
 *
 * <p><b>Overrides</b> are {@code key.path=value} pairs applied to the YAML tree before binding, so
 * they are checked exactly like the file. A list is written comma-separated; an empty value resets
 * a key to its default; {@code kafka.properties.<name>} sets one Kafka client property.
 */
public final class ConfigLoader {

    /** The classpath resource {@link #fromArgs} starts from when no {@code --config} is given. */
    public static final String DEFAULT_RESOURCE = "reference.yaml";

    private static final YAMLMapper MAPPER = mapper();

    private ConfigLoader() {}

    private static YAMLMapper mapper() {
        YAMLFactory factory =
                YAMLFactory.builder()
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        // "key:" without a value means null (the default), as in YAML itself.
                        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                        .build();
        YAMLMapper mapper =
                YAMLMapper.builder(factory)
                        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                        .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                        .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                        .addModule(
                                new SimpleModule("keyflow-durations")
                                        .addDeserializer(
                                                Duration.class, new DurationDeserializer()))
                        .build();
        // A number is a number: no "5" for 5, no 1.5 for 1, no 1 for true.
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Float)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Enum)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        return mapper;
    }

    /**
     * Reads {@code yamlFile} and applies {@code overrides} ({@code key.path -> value}, in the map's
     * order).
     *
     * @throws KeyflowConfigException if the file cannot be read or the configuration is invalid
     */
    public static ReferenceConfig load(Path yamlFile, Map<String, String> overrides) {
        Objects.requireNonNull(yamlFile, "yamlFile");
        if (!Files.isRegularFile(yamlFile)) {
            throw new KeyflowConfigException(
                    "config file "
                            + yamlFile.toAbsolutePath()
                            + " does not exist or is not a file");
        }
        String yaml;
        try {
            yaml = Files.readString(yamlFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyflowConfigException("cannot read config file " + yamlFile + ": " + e, e);
        }
        return parse(yaml, overrides, yamlFile.toString());
    }

    /**
     * Parses {@code yaml} and applies {@code overrides}.
     *
     * @throws KeyflowConfigException if the configuration is invalid
     */
    public static ReferenceConfig parse(String yaml, Map<String, String> overrides) {
        return parse(yaml, overrides, "the configuration");
    }

    /**
     * Reads the configuration from a command line: {@code --config <file>} (optional; without it
     * the built-in {@value #DEFAULT_RESOURCE} is the base), then overrides as {@code --set
     * key.path=value} (repeatable) or {@code --key.path value} (or {@code --key.path=value}); a
     * later override of the same key wins.
     *
     * @throws KeyflowConfigException naming the argument or key that is wrong
     */
    public static ReferenceConfig fromArgs(String[] args) {
        Objects.requireNonNull(args, "args");
        Path config = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new KeyflowConfigException(
                        "unexpected argument '"
                                + arg
                                + "'; use --config <file>, --set key.path=value or --key.path"
                                + " value");
            }
            String option = arg.substring(2);
            String value;
            int eq = option.indexOf('=');
            if (eq >= 0) { // --key.path=value, --set=key.path=value, --config=file
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new KeyflowConfigException(
                        "--" + option + " needs a value (--" + option + " <value>)");
            }
            switch (option) {
                case "config" -> {
                    if (config != null) {
                        throw new KeyflowConfigException(
                                "--config is given twice (" + config + ", " + value + ")");
                    }
                    if (value.isBlank()) {
                        throw new KeyflowConfigException("--config needs a file name");
                    }
                    config = Path.of(value);
                    if (!Files.isRegularFile(config)) {
                        throw new KeyflowConfigException(
                                "--config "
                                        + value
                                        + ": no such file ("
                                        + config.toAbsolutePath()
                                        + ")");
                    }
                }
                case "set" -> {
                    int at = value.indexOf('=');
                    if (at <= 0) {
                        throw new KeyflowConfigException(
                                "--set " + value + ": write it as --set key.path=value");
                    }
                    overrides.put(value.substring(0, at).trim(), value.substring(at + 1));
                }
                default -> overrides.put(option, value);
            }
        }
        if (config != null) {
            return load(config, overrides);
        }
        return parse(defaultYaml(), overrides, "classpath:" + DEFAULT_RESOURCE);
    }

    /** The text of the built-in {@value #DEFAULT_RESOURCE}. */
    public static String defaultYaml() {
        try (InputStream in =
                ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
        }
    }

    private static ReferenceConfig parse(
            String yaml, Map<String, String> overrides, String source) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(overrides, "overrides");
        ObjectNode root = tree(yaml, source);
        overrides.forEach(
                (path, value) ->
                        ConfigSchema.applyOverride(
                                root, path.trim(), Objects.requireNonNull(value, path)));
        ConfigSchema.fillSections(root, ConfigSchema.ROOT);
        ReferenceConfig config;
        try {
            config = MAPPER.treeToValue(root, ReferenceConfig.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw translate(e);
        }
        checkEnvironment(config);
        return config;
    }

    private static ObjectNode tree(String yaml, String source) {
        JsonNode node;
        try (JsonParser parser = MAPPER.createParser(yaml)) {
            node = MAPPER.readTree(parser);
            if (node != null && parser.nextToken() != null) {
                throw new KeyflowConfigException(
                        source + ": holds more than one YAML document; keep one");
            }
        } catch (JsonProcessingException e) {
            throw syntax(e, source);
        } catch (IOException e) {
            throw new KeyflowConfigException(source + ": cannot be read: " + e, e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new KeyflowConfigException(
                    source
                            + ": is empty; it needs at least kafka.bootstrap-servers, topics.input,"
                            + " topics.outbox, topics.dlq and enrichment.url");
        }
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw new KeyflowConfigException(
                source
                        + ": the top level must be a mapping of sections ("
                        + ConfigSchema.knownKeys("", ConfigSchema.ROOT)
                        + "), not "
                        + (node.isArray() ? "a list" : "'" + node.asText() + "'"));
    }

    /** Checks against the machine the job starts on; the records themselves stay pure values. */
    private static void checkEnvironment(ReferenceConfig config) {
        RulesConfig rules = config.rules();
        if (rules.source() == RulesConfig.Source.DIRECTORY
                && !Files.isDirectory(Path.of(rules.directory()))) {
            throw ConfigCheck.fail(
                    "rules.directory", rules.directory() + " does not exist or is not a directory");
        }
    }

    private static KeyflowConfigException syntax(JsonProcessingException e, String source) {
        String path = e.getProcessor() instanceof JsonParser parser ? pathOf(parser) : "";
        String message = firstLine(e.getOriginalMessage());
        if (message.startsWith("Duplicate field")) {
            String name = message.replaceFirst("Duplicate field '(.*)'.*", "$1");
            String key = path.isEmpty() ? name : path + "." + name;
            return new KeyflowConfigException(key + ": duplicate key in " + source, e);
        }
        String where =
                e.getLocation() == null
                        ? ""
                        : " at line "
                                + e.getLocation().getLineNr()
                                + ", column "
                                + e.getLocation().getColumnNr();
        return new KeyflowConfigException(
                source + ": not valid YAML" + where + ": " + yamlProblem(e.getOriginalMessage()),
                e);
    }

    /**
     * SnakeYAML's problem lines ("while parsing a flow mapping", "expected ',' or '}', but got
     * <stream end>") without the indented excerpts and the location lines in between.
     */
    private static String yamlProblem(@Nullable String message) {
        if (message == null) {
            return "";
        }
        return message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .collect(Collectors.joining("; "));
    }

    /** The dotted path of the mapping a parser is in (not including its current name). */
    private static String pathOf(JsonParser parser) {
        Deque<String> names = new ArrayDeque<>();
        JsonStreamContext ctx = parser.getParsingContext();
        for (JsonStreamContext c = ctx == null ? null : ctx.getParent();
                c != null;
                c = c.getParent()) {
            if (c.getCurrentName() != null) {
                names.addFirst(c.getCurrentName());
            }
        }
        return String.join(".", names);
    }

    private static KeyflowConfigException translate(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KeyflowConfigException own) {
                return own; // a record's check: names its key already
            }
        }
        if (!(e instanceof JsonMappingException mapping)) {
            return new KeyflowConfigException("invalid configuration: " + e.getMessage(), e);
        }
        String key = keyOf(mapping);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputCoercionException range) {
                String value = scalarAt(range);
                return new KeyflowConfigException(
                        key
                                + ": "
                                + (value == null ? "the number" : value)
                                + " is out of range ("
                                + Integer.MIN_VALUE
                                + " to "
                                + Integer.MAX_VALUE
                                + ")",
                        e);
            }
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            int dot = key.lastIndexOf('.');
            String parent = dot < 0 ? "" : key.substring(0, dot);
            ConfigSchema.Key section = ConfigSchema.section(parent);
            String known =
                    section != null
                            ? ConfigSchema.knownKeys(parent, section)
                            : "known keys: " + unknown.getKnownPropertyIds();
            return new KeyflowConfigException(key + ": unknown key; " + known, e);
        }
        if (e instanceof InvalidFormatException format && format.getTargetType() != null) {
            return new KeyflowConfigException(
                    key
                            + ": '"
                            + format.getValue()
                            + "' is not "
                            + ConfigSchema.describe(format.getTargetType()),
                    e);
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            String expected = ConfigSchema.describe(mismatch.getTargetType());
            String value = scalarAt(mismatch);
            return new KeyflowConfigException(
                    value == null
                            ? key + ": expected " + expected
                            : key + ": '" + value + "' is not " + expected,
                    e);
        }
        return new KeyflowConfigException(key + ": " + firstLine(mapping.getOriginalMessage()), e);
    }

    /** The scalar the binding stopped at, if it stopped at one. */
    @Nullable
    private static String scalarAt(JsonProcessingException e) {
        if (e.getProcessor() instanceof JsonParser parser
                && parser.currentToken() != null
                && parser.currentToken().isScalarValue()) {
            try {
                return parser.getText();
            } catch (IOException ignored) {
                return null; // the message then says what was expected, without the value
            }
        }
        return null;
    }

    private static String keyOf(JsonMappingException e) {
        StringBuilder key = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (key.length() > 0) {
                    key.append('.');
                }
                key.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                key.append('[').append(ref.getIndex()).append(']');
            }
        }
        return key.length() == 0 ? "(top level)" : key.toString();
    }

    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
