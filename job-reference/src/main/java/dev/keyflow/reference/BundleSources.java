package dev.keyflow.reference;

import dev.keyflow.core.KeyflowConfigException;
import dev.keyflow.rules.BundleFormat;
import dev.keyflow.rules.RuleBundle;
import dev.keyflow.rules.RuleRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the rule bundle the job starts with from a directory or from the job's own classpath. */
public final class BundleSources {

    /** The files of the built-in order bundle, below {@value #CLASSPATH_DIR} on the classpath. */
    static final List<String> CLASSPATH_FILES =
            List.of("bundle.yaml", "orders.xsd", "common/types.xsd");

    static final String CLASSPATH_DIR = "rules/orders/";

    private BundleSources() {}

    /** The bundle document (JSON, as published on the rules topic) of a bundle directory. */
    public static byte[] fromDirectory(Path directory) {
        try {
            RuleBundle bundle = BundleFormat.readDirectory(directory);
            return BundleFormat.toJson(bundle);
        } catch (RuleRejectedException e) {
            throw new KeyflowConfigException(
                    "rules.directory: the bundle in "
                            + directory
                            + " is invalid: "
                            + e.getMessage(),
                    e);
        }
    }

    /** The bundle document of the order bundle shipped inside the job jar. */
    public static byte[] fromClasspath() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("keyflow-bundle");
            for (String name : CLASSPATH_FILES) {
                Path target = dir.resolve(name);
                Files.createDirectories(target.getParent());
                try (InputStream in =
                        BundleSources.class
                                .getClassLoader()
                                .getResourceAsStream(CLASSPATH_DIR + name)) {
                    if (in == null) {
                        throw new IllegalStateException(
                                "missing resource " + CLASSPATH_DIR + name + " in the job jar");
                    }
                    Files.copy(in, target);
                }
            }
            return fromDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the built-in rule bundle", e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is harmless.
        }
    }
}
