package dev.keyflow.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;

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
 * <p>Parsing is strict and refuses with a {@link RuleRejectedException}: unknown properties, a
 * missing name or version, a version that is not an integer literal ({@code 1.5}, {@code '2'}),
 * duplicate ids, anything after the document (a second YAML document, text after the JSON object),
 * JSON documents over {@value #MAX_DOCUMENT_BYTES} bytes, and YAML documents over {@value
 * #MAX_YAML_BYTES} bytes or with a line over {@value #MAX_YAML_LINE_BYTES} bytes (sizes are checked
 * on the bytes, before parsing). A document with {@code rollbackTo} is a {@link Rollback}.
 */
public final class BundleFormat {

    /** The largest document accepted (XSDs inline included); a bundle directory in total. */
    public static final int MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

    /**
     * The largest YAML document accepted. SnakeYAML's scanner copies its look-ahead window for
     * every 1,024 characters of a scalar, so its cost grows with the square of a line's length (a
     * double-quoted 1 MiB string allocated 2 GB); YAML is for hand-written bundles, JSON (what
     * {@link #toJson} publishes) for large ones.
     */
    public static final int MAX_YAML_BYTES = 1024 * 1024;

    /** The longest line accepted in a YAML document (see {@link #MAX_YAML_BYTES}). */
    public static final int MAX_YAML_LINE_BYTES = 16 * 1024;

    private static final List<String> BUNDLE_FILES =
            List.of("bundle.yaml", "bundle.yml", "bundle.json");

    private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
    private static final ObjectMapper YAML = configure(YAMLMapper.builder(yamlFactory())).build();

    private BundleFormat() {}

    private static YAMLFactory yamlFactory() {
        LoaderOptions options = new LoaderOptions();
        // SnakeYAML's own limit (3 Mi code points by default) must not be the one that bites:
        // the byte limits above are checked first, and a code point takes at least one byte.
        options.setCodePointLimit(MAX_YAML_BYTES);
        return YAMLFactory.builder().loaderOptions(options).build();
    }

    private static <
                    M extends ObjectMapper,
                    B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>>
            B configure(B builder) {
        builder.enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                // A second YAML document or garbage after the JSON object is an error.
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // A version is an integer literal: not 1.5 (which became 1), not '2'.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        builder.withCoercionConfig(
                LogicalType.Integer,
                config ->
                        config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
        return builder;
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
        if (looksLikeJson(document)) {
            return JSON;
        }
        if (document.length > MAX_YAML_BYTES) {
            throw new RuleRejectedException(
                    null,
                    "the YAML bundle record has "
                            + document.length
                            + " bytes, more than "
                            + MAX_YAML_BYTES
                            + " (publish large bundles as JSON)");
        }
        int longest = longestLine(document);
        if (longest > MAX_YAML_LINE_BYTES) {
            throw new RuleRejectedException(
                    null,
                    "the YAML bundle record has a line of "
                            + longest
                            + " bytes, more than "
                            + MAX_YAML_LINE_BYTES
                            + " (write long text as a block scalar '|' or publish JSON)");
        }
        return YAML;
    }

    private static int longestLine(byte[] document) {
        int longest = 0;
        int start = 0;
        for (int i = 0; i <= document.length; i++) {
            if (i == document.length || document[i] == '\n' || document[i] == '\r') {
                longest = Math.max(longest, i - start);
                start = i + 1;
            }
        }
        return longest;
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
     * by its path relative to it ({@code common/types.xsd}). The directory may be reached through a
     * symbolic link (e.g. {@code current -> v4}); inside it, every entry must be a regular file or
     * a directory, not a symbolic link (which could publish any file of the machine) or a special
     * file. The bundle file and the XSDs together may have at most {@link #MAX_DOCUMENT_BYTES}.
     *
     * @throws RuleRejectedException if the directory has no bundle file, holds a symbolic link or a
     *     special file, is too large, a file cannot be read, an XSD is also given inline, or the
     *     bundle is invalid
     */
    public static RuleBundle readDirectory(Path directory) throws RuleRejectedException {
        try {
            Path root = directory.toRealPath();
            List<Path> xsdFiles = checkedFiles(root);
            Path file = null;
            for (String name : BUNDLE_FILES) {
                if (Files.isRegularFile(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    file = root.resolve(name);
                    break;
                }
            }
            if (file == null) {
                throw new RuleRejectedException(
                        null, "no bundle file " + BUNDLE_FILES + " in " + directory);
            }
            long total = Files.size(file);
            for (Path xsd : xsdFiles) {
                total += Files.size(xsd);
            }
            if (total > MAX_DOCUMENT_BYTES) {
                throw new RuleRejectedException(
                        null,
                        "bundle directory "
                                + directory
                                + " has "
                                + total
                                + " bytes, more than "
                                + MAX_DOCUMENT_BYTES);
            }
            byte[] document = readRegularFile(file);
            ObjectMapper mapper = mapperFor(document);
            ObjectNode object = tree(mapper, document);
            ObjectNode xsds =
                    object.get("xsds") instanceof ObjectNode inline
                            ? inline
                            : object.putObject("xsds");
            for (Path xsd : xsdFiles) {
                String name = root.relativize(xsd).toString().replace('\\', '/');
                if (xsds.has(name)) {
                    throw new RuleRejectedException(
                            null, "the XSD '" + name + "' is both inline and a file");
                }
                xsds.put(name, new String(readRegularFile(xsd), StandardCharsets.UTF_8));
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

    /**
     * The {@code *.xsd} files below {@code root} (depth 8), after checking that no entry of the
     * tree is a symbolic link or a special file.
     */
    private static List<Path> checkedFiles(Path root) throws IOException, RuleRejectedException {
        List<Path> xsds = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 8)) {
            for (Path path : (Iterable<Path>) files.sorted()::iterator) {
                BasicFileAttributes attributes =
                        Files.readAttributes(
                                path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String name = root.relativize(path).toString().replace('\\', '/');
                if (attributes.isSymbolicLink()) {
                    throw new RuleRejectedException(
                            null,
                            "bundle directory entry '"
                                    + name
                                    + "' is a symbolic link; copy the file");
                }
                if (!attributes.isRegularFile() && !attributes.isDirectory()) {
                    throw new RuleRejectedException(
                            null, "bundle directory entry '" + name + "' is not a regular file");
                }
                if (attributes.isRegularFile() && name.endsWith(".xsd")) {
                    xsds.add(path);
                }
            }
        }
        return xsds;
    }

    /** Reads a file that must still be a regular file, not a link swapped in after the check. */
    private static byte[] readRegularFile(Path file) throws IOException {
        try (SeekableByteChannel channel =
                        Files.newByteChannel(
                                file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
                InputStream in = Channels.newInputStream(channel)) {
            byte[] bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > MAX_DOCUMENT_BYTES) {
                throw new IOException(file + " grew beyond " + MAX_DOCUMENT_BYTES + " bytes");
            }
            return bytes;
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
