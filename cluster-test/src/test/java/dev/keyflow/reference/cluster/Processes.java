package dev.keyflow.reference.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the test's processes (each a JVM with its own log file) and guarantees that none outlives
 * the test: {@link #close()} stops them all, newest first (SIGTERM, then SIGKILL after a grace
 * period, descendants included); a shutdown hook kills whatever is left if the test JVM exits
 * without closing; and every JVM runs the {@link OrphanGuard} agent, which ends it when the test
 * JVM is gone even without its hooks (killed with SIGKILL).
 */
final class Processes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Processes.class);
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private final Path logs;
    private final Path agentJar;
    private final Deque<Child> children = new ArrayDeque<>();
    private final List<Child> started = new ArrayList<>();
    private final Thread hook;

    Processes(Path work) {
        this.logs = work.resolve("logs");
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logs, e);
        }
        this.agentJar = OrphanGuard.agentJar(work.resolve("orphan-guard.jar"));
        this.hook = new Thread(this::killAll, "keyflow-cluster-test-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The directory with every process's output ({@code <name>.out}) and log files. */
    Path logs() {
        return logs;
    }

    /**
     * Starts {@code java <jvmOptions> -cp <classpath> <mainClass> <args>} as process {@code name};
     * its standard output and error go to {@code logs/<name>.out}.
     */
    synchronized Child startJava(
            String name,
            List<String> jvmOptions,
            String classpath,
            String mainClass,
            List<String> args,
            Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        command.add("-javaagent:" + agentJar);
        command.addAll(jvmOptions);
        command.add("-Dlog.file=" + logs.resolve(name + ".log"));
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Path out = logs.resolve(name + ".out");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        // Standard input stays a pipe from this JVM: the OrphanGuard of the child watches it.
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
        Child child = new Child(name, process, out);
        children.push(child);
        started.add(child);
        LOG.debug("started {} (pid {}): {}", name, process.pid(), command);
        return child;
    }

    /** The processes started so far that are still alive (after {@link #close()}: none). */
    synchronized List<Child> stillAlive() {
        return started.stream().filter(Child::isAlive).collect(Collectors.toList());
    }

    /** Stops every process still running, newest first. */
    @Override
    public synchronized void close() {
        while (!children.isEmpty()) {
            children.pop().stop();
        }
        LOG.info(
                "Stopped every process (exit codes: {})",
                started.stream()
                        .map(c -> c.name + " " + c.exitCode())
                        .collect(Collectors.joining(", ")));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            LOG.debug("the JVM is shutting down; the hook runs anyway");
        }
    }

    private void killAll() {
        // From the shutdown hook: no time for a graceful stop.
        for (Child child : children) {
            child.process.descendants().forEach(ProcessHandle::destroyForcibly);
            child.process.destroyForcibly();
        }
    }

    /** One started process. */
    static final class Child {
        private final String name;
        private final Process process;
        private final Path out;

        private Child(String name, Process process, Path out) {
            this.name = name;
            this.process = process;
            this.out = out;
        }

        String name() {
            return name;
        }

        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Kills the process with SIGKILL, as {@code kill -9} does, and waits until it is gone. */
        void kill() throws InterruptedException {
            process.toHandle().destroyForcibly();
            if (!process.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " is still alive after SIGKILL");
            }
        }

        /**
         * Waits for the process to end by itself within {@code timeout}; returns its exit code.
         *
         * @throws IllegalStateException if it did not end in time (it is then killed)
         */
        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop();
                throw new IllegalStateException(
                        name + " did not end within " + timeout + "; output:\n" + tail(40));
            }
            return process.exitValue();
        }

        /** Everything the process wrote to its standard output and error so far. */
        String output() {
            try {
                return Files.readString(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + out, e);
            }
        }

        /** The last {@code lines} lines of its output, for error messages. */
        String tail(int lines) {
            List<String> all = output().lines().collect(Collectors.toList());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }

        /**
         * SIGTERM, the descendants first; SIGKILL for whatever has not ended after a grace. The
         * signals go through the {@link ProcessHandle}: {@link Process#destroy()} would also close
         * the child's standard input, and its {@link OrphanGuard} would halt it before its shutdown
         * hooks have run.
         */
        void stop() {
            if (!process.isAlive()) {
                return;
            }
            process.descendants().forEach(ProcessHandle::destroy);
            process.toHandle().destroy();
            try {
                if (!process.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("{} (pid {}) ignored SIGTERM for {}; killing it", name, pid(), GRACE);
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }

        /** The exit code, or "running". */
        String exitCode() {
            return process.isAlive() ? "running" : Integer.toString(process.exitValue());
        }

        @Override
        public String toString() {
            return name + " (pid " + process.pid() + ")";
        }
    }
}
