package dev.keyflow.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads and writes bundle records: JSON or YAML documents (one per Kafka record of the compacted
 * bundle topic, XSDs inline) and bundle directories (a {@code bundle.yaml}, {@code bundle.yml} or
 * {@code bundle.json} plus the {@code *.xsd} files next to it and below it).
 *
 * <pre>{@code
 * RuleBundle bundle = BundleFormat.readDirectory(Path.of("bundles/orders-v4"));
 * byte[] record = BundleFormat.toJson(bundle);        // what a publisher writes to the topic
 * BundleRecord parsed = BundleFormat.parse(record);   // what the registry reads
 * }</pre>
 *
 * <p>Parsing is strict: unknown properties, a missing name or version, duplicate ids and documents
 * over {@value #MAX_DOCUMENT_BYTES} bytes are refused with a {@link RuleRejectedException}. A
 * document with {@code rollbackTo} is a {@link Rollback}.
 */
public final class BundleFormat {

    /** The largest document accepted (XSDs inline included). */
    public static final int MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

    private static final List<String> BUNDLE_FILES =
            List.of("bundle.yaml", "bundle.yml", "bundle.json");

    private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
    private static final ObjectMapper YAML = configure(YAMLMapper.builder()).build();

    private BundleFormat() {}

    private static <
                    M extends ObjectMapper,
                    B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>>
            B configure(B builder) {
        return builder.enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    }

    /**
     * Parses one bundle record, JSON if it starts with <code>{</code>, YAML otherwise.
     *
     * @throws RuleRejectedException if the document is unreadable or not a valid record
     */
    public static BundleRecord parse(byte[] document) throws RuleRejectedException {
        ObjectMapper mapper = mapperFor(document);
        return toRecord(mapper, tree(mapper, document));
    }

    private static ObjectMapper mapperFor(byte[] document) throws RuleRejectedException {
        if (document == null || document.length == 0) {
            throw new RuleRejectedException(null, "the bundle record is empty");
        }
        if (document.length > MAX_DOCUMENT_BYTES) {
            throw new RuleRejectedException(
                    null,
                    "the bundle record has "
                            + document.length
                            + " bytes, more than "
                            + MAX_DOCUMENT_BYTES);
        }
        return looksLikeJson(document) ? JSON : YAML;
    }

    private static ObjectNode tree(ObjectMapper mapper, byte[] document)
            throws RuleRejectedException {
        try {
            if (mapper.readTree(document) instanceof ObjectNode object) {
                return object;
            }
            throw new RuleRejectedException(null, "a bundle record must be an object");
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    private static BundleRecord toRecord(ObjectMapper mapper, ObjectNode object)
            throws RuleRejectedException {
        try {
            if (object.has("rollbackTo")) {
                return mapper.treeToValue(object, Rollback.class);
            }
            return mapper.treeToValue(object, RuleBundle.class);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    private static RuleRejectedException invalid(IOException e) {
        // Jackson wraps the records' own argument checks; its message names the property.
        return new RuleRejectedException(
                null,
                "the bundle record is not valid: "
                        + (e instanceof JsonProcessingException j
                                ? j.getOriginalMessage()
                                : e.getMessage()),
                e);
    }

    /**
     * Reads a bundle directory: the bundle file plus every {@code *.xsd} below the directory, named
     * by its path relative to it ({@code common/types.xsd}).
     *
     * @throws RuleRejectedException if the directory has no bundle file, a file cannot be read, an
     *     XSD is also given inline, or the bundle is invalid
     */
    public static RuleBundle readDirectory(Path directory) throws RuleRejectedException {
        Path file = null;
        for (String name : BUNDLE_FILES) {
            if (Files.isRegularFile(directory.resolve(name))) {
                file = directory.resolve(name);
                break;
            }
        }
        if (file == null) {
            throw new RuleRejectedException(
                    null, "no bundle file " + BUNDLE_FILES + " in " + directory);
        }
        try {
            byte[] document = Files.readAllBytes(file);
            ObjectMapper mapper = mapperFor(document);
            ObjectNode object = tree(mapper, document);
            ObjectNode xsds =
                    object.get("xsds") instanceof ObjectNode inline
                            ? inline
                            : object.putObject("xsds");
            for (Path xsd : xsdFiles(directory)) {
                String name = directory.relativize(xsd).toString().replace('\\', '/');
                if (xsds.has(name)) {
                    throw new RuleRejectedException(
                            null, "the XSD '" + name + "' is both inline and a file");
                }
                xsds.put(name, Files.readString(xsd, StandardCharsets.UTF_8));
            }
            if (toRecord(mapper, object) instanceof RuleBundle bundle) {
                return bundle;
            }
            throw new RuleRejectedException(null, file + " is a rollback, not a bundle");
        } catch (IOException e) {
            throw new RuleRejectedException(
                    null, "cannot read bundle directory " + directory + ": " + e, e);
        }
    }

    private static List<Path> xsdFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory, 8)) {
            List<Path> xsds = new ArrayList<>();
            files.filter(p -> p.getFileName().toString().endsWith(".xsd"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .forEach(xsds::add);
            return xsds;
        }
    }

    /** Writes a record as a JSON document (XSDs inline), as published on the bundle topic. */
    public static byte[] toJson(BundleRecord record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            // Only plain strings, numbers, lists and maps: cannot happen for a valid record.
            throw new IllegalStateException("cannot write " + record.label(), e);
        }
    }

    private static boolean looksLikeJson(byte[] document) {
        for (byte b : document) {
            if (!Character.isWhitespace(b)) {
                return b == '{';
            }
        }
        return false;
    }
}
