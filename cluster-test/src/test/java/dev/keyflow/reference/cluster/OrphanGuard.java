package dev.keyflow.reference.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A Java agent that ends its JVM when the JVM that started it is gone: it reads the process's
 * standard input, a pipe whose only writer is the test JVM, and halts at its end. So the broker,
 * the customer service, the JobManager and the TaskManagers never outlive the test, even when the
 * test JVM is killed without running its shutdown hooks. {@link #agentJar} writes the agent jar;
 * {@link Processes} adds {@code -javaagent:<jar>} to every JVM it starts.
 *
 * <p>Only this one class goes into the jar: it must not use other classes of the test.
 */
public final class OrphanGuard {

    /** The exit status of a JVM whose parent has gone. */
    static final int ORPHANED = 86;

    private OrphanGuard() {}

    /** The agent's entry point: watches standard input from a daemon thread. */
    public static void premain(String args) {
        Thread watcher =
                new Thread(
                        () -> {
                            try {
                                InputStream in = System.in;
                                while (in.read() >= 0) {
                                    // nothing is ever written; the read ends with the pipe
                                }
                            } catch (IOException brokenPipe) {
                                // the pipe broke: the parent is gone as well
                                System.err.println("orphan guard: " + brokenPipe);
                            }
                            Runtime.getRuntime().halt(ORPHANED);
                        },
                        "keyflow-orphan-guard");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Writes the agent jar (this class and a manifest naming it) to {@code jar}. */
    static Path agentJar(Path jar) {
        String entry = OrphanGuard.class.getName().replace('.', '/') + ".class";
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes()
                .put(new Attributes.Name("Premain-Class"), OrphanGuard.class.getName());
        try (InputStream classFile = OrphanGuard.class.getClassLoader().getResourceAsStream(entry);
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            if (classFile == null) {
                throw new IllegalStateException("cannot find " + entry + " on the classpath");
            }
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent jar " + jar, e);
        }
        return jar;
    }
}
