package dev.keyflow.xml;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The XSD files of one rule-bundle version: file names (relative paths such as {@code
 * common/types.xsd}) mapped to their bytes, and the main files to compile.
 *
 * <p>A bundle is the whole world its schemas can see. When a schema names another with {@code
 * xs:import}, {@code xs:include} or {@code xs:redefine}, or an external DTD, the location is looked
 * up in this bundle only, never on the network or the file system:
 *
 * <ul>
 *   <li>a relative location is resolved against the including file's path in the bundle;
 *   <li>an absolute URL (for example {@code http://www.w3.org/2001/xml.xsd}) is served from the one
 *       bundle file with the same file name, so published schema sets load unchanged;
 *   <li>a schema location not found that way makes compilation fail, naming the location; an
 *       external DTD not found is read as empty (the trusted file's internal subset still applies).
 * </ul>
 *
 * <p>Immutable and serializable. {@link #fingerprint()} identifies the content, so that two equal
 * bundles share one compiled schema (see {@link CompiledSchema#shared}).
 */
public final class SchemaBundle implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String version;
    private final Map<String, byte[]> files;
    private final List<String> mainFiles;
    private final String fingerprint;

    private SchemaBundle(Builder b) {
        this.version = b.version;
        this.files = Collections.unmodifiableMap(new LinkedHashMap<>(b.files));
        this.mainFiles = List.copyOf(b.mainFiles);
        this.fingerprint = fingerprint(version, files, mainFiles);
    }

    /** A builder; a version, at least one file and one main file are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The rule-bundle version these schemas belong to. */
    public String version() {
        return version;
    }

    /** The file names, in the order they were added. */
    public List<String> fileNames() {
        return List.copyOf(files.keySet());
    }

    /** A copy of a file's bytes, or null if the bundle has no such file. */
    public byte[] file(String name) {
        byte[] content = files.get(name);
        return content == null ? null : content.clone();
    }

    /** The files compiled together into one schema (they may import the others). */
    public List<String> mainFiles() {
        return mainFiles;
    }

    /** A SHA-256 of version, names and contents. */
    public String fingerprint() {
        return fingerprint;
    }

    Map<String, byte[]> filesView() {
        return files;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchemaBundle other && fingerprint.equals(other.fingerprint);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "SchemaBundle{version="
                + version
                + ", main="
                + mainFiles
                + ", files="
                + files.size()
                + '}';
    }

    private static String fingerprint(
            String version, Map<String, byte[]> files, List<String> mainFiles) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(version.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
                sha.update((byte) 0);
                sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(e.getValue());
            }
            sha.update(String.join("\0", mainFiles).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Builds a {@link SchemaBundle}.
     *
     * <pre>{@code
     * SchemaBundle bundle =
     *         SchemaBundle.builder()
     *                 .version("payments-2026.11")
     *                 .file("payment.xsd", paymentXsd)
     *                 .file("common/common.xsd", commonXsd)
     *                 .mainFile("payment.xsd")
     *                 .build();
     * }</pre>
     */
    public static final class Builder {
        private String version;
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private final List<String> mainFiles = new ArrayList<>();

        private Builder() {}

        /** The rule-bundle version (required, not blank). */
        public Builder version(String version) {
            Objects.requireNonNull(version, "version");
            if (version.isBlank()) {
                throw new IllegalArgumentException("version must not be blank");
            }
            this.version = version;
            return this;
        }

        /**
         * Adds a file; {@code name} is a relative path with {@code /} separators and no {@code ..}
         * steps. The bytes are copied.
         */
        public Builder file(String name, byte[] content) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(content, "content");
            if (name.isEmpty()
                    || name.startsWith("/")
                    || name.contains("\\")
                    || name.contains(":")
                    || List.of(name.split("/")).contains("..")) {
                throw new IllegalArgumentException(
                        "name must be a relative path like common/types.xsd, was '" + name + "'");
            }
            files.put(name, content.clone());
            return this;
        }

        /** Adds every file of {@code namesToContent}. */
        public Builder files(Map<String, byte[]> namesToContent) {
            Objects.requireNonNull(namesToContent, "namesToContent").forEach(this::file);
            return this;
        }

        /** Marks a file as a main file: the schema is compiled from the main files. */
        public Builder mainFile(String name) {
            Objects.requireNonNull(name, "name");
            if (!mainFiles.contains(name)) {
                mainFiles.add(name);
            }
            return this;
        }

        /**
         * The bundle.
         *
         * @throws IllegalArgumentException without a version or main file, or if a main file is not
         *     among the files
         */
        public SchemaBundle build() {
            if (version == null) {
                throw new IllegalArgumentException("version is required");
            }
            if (mainFiles.isEmpty()) {
                throw new IllegalArgumentException("at least one mainFile is required");
            }
            for (String main : mainFiles) {
                if (!files.containsKey(main)) {
                    throw new IllegalArgumentException(
                            "mainFile '" + main + "' is not among the files " + files.keySet());
                }
            }
            return new SchemaBundle(this);
        }
    }
}
