package dev.keyflow.reference.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * A standalone Flink session cluster whose JobManager and TaskManagers are separate JVMs started
 * the way Flink's scripts start them, from the jars a Flink distribution has in {@code lib/}
 * (resolved from Maven Central: {@code flink-dist} itself is not published there): a {@code
 * config.yaml} in a configuration directory, memory settings from {@code BashJavaUtils}, Flink's
 * Java 17 options, {@code StandaloneSessionClusterEntrypoint} and {@code TaskManagerRunner} with
 * {@code --configDir}. Jobs are submitted and stopped with Flink's own CLI ({@code CliFrontend});
 * the state of the cluster and its jobs is read from the REST API.
 */
final class FlinkCluster {

    /** Flink's Java 17 options, as in the distribution's {@code env.java.opts.all}. */
    static final List<String> JAVA_OPTIONS =
            List.of(
                    "-XX:+IgnoreUnrecognizedVMOptions",
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final String JOB_MANAGER =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASK_MANAGER =
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String CLI = "org.apache.flink.client.cli.CliFrontend";
    private static final String BASH_JAVA_UTILS =
            "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration CLI_TIMEOUT = Duration.ofMinutes(4);
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Processes processes;
    private final Path work;
    private final Path confDir;
    private final String classpath;
    private final Path log4jConfig;
    private final int restPort;
    private final List<String> taskManagerJvm;
    private final List<String> taskManagerDynamic;
    private final Map<String, Processes.Child> taskManagers = new LinkedHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Processes.Child jobManager;
    private int cliRuns;

    private FlinkCluster(
            Processes processes,
            Path work,
            Path confDir,
            String classpath,
            Path log4jConfig,
            int restPort,
            List<String> taskManagerJvm,
            List<String> taskManagerDynamic,
            Processes.Child jobManager) {
        this.processes = processes;
        this.work = work;
        this.confDir = confDir;
        this.classpath = classpath;
        this.log4jConfig = log4jConfig;
        this.restPort = restPort;
        this.taskManagerJvm = taskManagerJvm;
        this.taskManagerDynamic = taskManagerDynamic;
        this.jobManager = jobManager;
    }

    /**
     * Writes the cluster's {@code config.yaml} (with {@code settings} on top of the test's
     * defaults) below {@code work} and starts the JobManager; TaskManagers are started with {@link
     * #startTaskManager}.
     */
    static FlinkCluster start(
            Processes processes,
            Path work,
            String classpath,
            Path log4jConfig,
            Map<String, String> settings)
            throws InterruptedException {
        Path confDir = work.resolve("flink-conf");
        int rpcPort = Ports.free();
        int restPort = Ports.free();
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jobmanager.rpc.address", "localhost");
        config.put("jobmanager.rpc.port", Integer.toString(rpcPort));
        config.put("jobmanager.bind-host", "localhost");
        config.put("taskmanager.bind-host", "localhost");
        config.put("taskmanager.host", "localhost");
        config.put("rest.address", "localhost");
        config.put("rest.bind-address", "localhost");
        config.put("rest.port", Integer.toString(restPort));
        config.put("web.tmpdir", work.resolve("flink-web").toString());
        config.put("io.tmp.dirs", work.resolve("flink-tmp").toString());
        config.putAll(settings);
        try {
            Files.createDirectories(confDir);
            Files.createDirectories(work.resolve("flink-tmp"));
            Files.writeString(
                    confDir.resolve("config.yaml"),
                    config.entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue())
                            .collect(Collectors.joining("\n", "", "\n")),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Flink configuration in " + confDir, e);
        }

        // Both at once: a JVM start is seconds on a busy machine.
        Processes.Child jmTool = startBashJavaUtils(processes, classpath, confDir, "JM");
        Processes.Child tmTool = startBashJavaUtils(processes, classpath, confDir, "TM");
        List<List<String>> jm = memoryParameters(jmTool, "JM");
        List<List<String>> tm = memoryParameters(tmTool, "TM");
        List<String> jvm = new ArrayList<>(jm.get(0));
        jvm.addAll(commonJvmOptions(log4jConfig));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(jm.get(1));
        Processes.Child jobManager =
                processes.startJava(
                        "jobmanager", jvm, classpath, JOB_MANAGER, args, flinkEnvironment(confDir));
        return new FlinkCluster(
                processes,
                work,
                confDir,
                classpath,
                log4jConfig,
                restPort,
                tm.get(0),
                tm.get(1),
                jobManager);
    }

    /** The REST API and web UI. */
    String restUrl() {
        return "http://localhost:" + restPort;
    }

    /** The JobManager's process. */
    Processes.Child jobManager() {
        return jobManager;
    }

    /**
     * Starts a TaskManager whose resource id is {@code id} (what the REST API calls it), with its
     * own temporary directory (RocksDB's working files).
     */
    Processes.Child startTaskManager(String id) {
        Path tmp = work.resolve("flink-tmp").resolve(id);
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
        List<String> jvm = new ArrayList<>(taskManagerJvm);
        jvm.addAll(commonJvmOptions(log4jConfig));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(taskManagerDynamic);
        args.addAll(List.of("-D", "taskmanager.resource-id=" + id, "-D", "io.tmp.dirs=" + tmp));
        Processes.Child tm =
                processes.startJava(
                        "taskmanager-" + id,
                        jvm,
                        classpath,
                        TASK_MANAGER,
                        args,
                        flinkEnvironment(confDir));
        taskManagers.put(id, tm);
        return tm;
    }

    /** The TaskManager started as {@code id}. */
    Processes.Child taskManager(String id) {
        Processes.Child tm = taskManagers.get(id);
        if (tm == null) {
            throw new IllegalArgumentException("no TaskManager " + id + " was started");
        }
        return tm;
    }

    /** Ids of the TaskManagers registered at the JobManager; empty while its REST API is down. */
    List<String> registeredTaskManagers() {
        return rest("/taskmanagers")
                .map(
                        json -> {
                            List<String> ids = new ArrayList<>();
                            json.path("taskmanagers")
                                    .forEach(tm -> ids.add(tm.path("id").asText()));
                            return ids;
                        })
                .orElse(List.of());
    }

    /**
     * Runs Flink's CLI ({@code flink <args>}) against the cluster and waits for it to end.
     *
     * @return its output
     * @throws IllegalStateException if it fails or takes longer than a few minutes
     */
    String cli(String... args) throws InterruptedException {
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
        jvm.addAll(commonJvmOptions(log4jConfig));
        Processes.Child cli =
                processes.startJava(
                        "flink-cli-" + ++cliRuns,
                        jvm,
                        classpath,
                        CLI,
                        Arrays.asList(args),
                        flinkEnvironment(confDir));
        int exit = cli.awaitExit(CLI_TIMEOUT);
        if (exit != 0) {
            throw new IllegalStateException(
                    "flink " + String.join(" ", args) + " failed (" + exit + "):\n" + cli.tail(40));
        }
        return cli.output();
    }

    /** {@code flink run --detached [-s savepoint] <jar> <args>}; returns the job's id. */
    String submit(Path jobJar, @Nullable String savepoint, List<String> jobArgs)
            throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", "--detached", "-t", "remote"));
        if (savepoint != null) {
            args.addAll(List.of("--fromSavepoint", savepoint));
        }
        args.add(jobJar.toString());
        args.addAll(jobArgs);
        String output = cli(args.toArray(String[]::new));
        Matcher m = JOB_ID.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("flink run printed no JobID:\n" + output);
        }
        return m.group(1);
    }

    /**
     * {@code flink stop --savepointPath <dir> [--drain] <job>}: stops the job with a savepoint;
     * returns the savepoint's path.
     */
    String stopWithSavepoint(String jobId, Path savepoints, boolean drain)
            throws InterruptedException {
        List<String> args =
                new ArrayList<>(List.of("stop", "--savepointPath", savepoints.toUri().toString()));
        if (drain) {
            args.add("--drain");
        }
        args.add(jobId);
        String output = cli(args.toArray(String[]::new));
        Matcher m = SAVEPOINT.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("flink stop printed no savepoint path:\n" + output);
        }
        return m.group(1);
    }

    /** The job's state ({@code RUNNING}, {@code FINISHED}, ...); empty if the API does not say. */
    Optional<String> jobState(String jobId) {
        return rest("/jobs/" + jobId).map(json -> json.path("state").asText());
    }

    /** Whether the job is RUNNING with every vertex RUNNING, or FINISHED for a bounded source. */
    boolean isFullyRunning(String jobId) {
        Optional<JsonNode> job = rest("/jobs/" + jobId);
        if (job.isEmpty() || !"RUNNING".equals(job.get().path("state").asText())) {
            return false;
        }
        boolean anyRunning = false;
        for (JsonNode vertex : job.get().path("vertices")) {
            String status = vertex.path("status").asText();
            // A bounded source (the job's fixed rule bundle) finishes seconds after it starts.
            if (!"RUNNING".equals(status) && !"FINISHED".equals(status)) {
                return false;
            }
            anyRunning |= "RUNNING".equals(status);
        }
        return anyRunning;
    }

    /** The largest vertex parallelism of the job. */
    int parallelism(String jobId) {
        int max = 0;
        for (JsonNode vertex : rest("/jobs/" + jobId).orElseThrow().path("vertices")) {
            max = Math.max(max, vertex.path("parallelism").asInt());
        }
        return max;
    }

    /** Running subtasks of the job per TaskManager id. */
    Map<String, Integer> runningSubtasksByTaskManager(String jobId) {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode vertex : rest("/jobs/" + jobId).orElseThrow().path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText();
            rest(path + "/taskmanagers")
                    .ifPresent(
                            json ->
                                    json.path("taskmanagers")
                                            .forEach(
                                                    tm ->
                                                            counts.merge(
                                                                    tm.path("taskmanager-id")
                                                                            .asText(),
                                                                    tm.path("status-counts")
                                                                            .path("RUNNING")
                                                                            .asInt(),
                                                                    Integer::sum)));
        }
        counts.values().removeIf(n -> n == 0);
        return counts;
    }

    /** The job's failures (each a restart) from its exception history, one line each. */
    List<String> failures(String jobId) {
        List<String> failures = new ArrayList<>();
        rest("/jobs/" + jobId + "/exceptions?maxExceptions=20")
                .ifPresent(
                        json ->
                                json.path("exceptionHistory")
                                        .path("entries")
                                        .forEach(
                                                entry -> {
                                                    String trace =
                                                            entry.path("stacktrace").asText("");
                                                    int nl = trace.indexOf('\n');
                                                    failures.add(
                                                            entry.path("taskName").asText("?")
                                                                    + " on "
                                                                    + entry.path("taskManagerId")
                                                                            .asText("?")
                                                                    + ": "
                                                                    + (nl < 0
                                                                            ? trace
                                                                            : trace.substring(
                                                                                    0, nl)));
                                                }));
        return failures;
    }

    /** GET on the REST API; empty when it does not answer 200 (not up yet, or gone). */
    Optional<JsonNode> rest(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(restUrl() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException notAnswering) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static List<String> commonJvmOptions(Path log4jConfig) {
        List<String> options = new ArrayList<>(JAVA_OPTIONS);
        options.add("-XX:+UseG1GC");
        // Pekko's remoting must start within 10 s by default (pekko.remote.classic.startup-timeout,
        // which Flink's configuration does not reach); on a busy machine the JobManager missed it.
        options.add("-Dpekko.remote.classic.startup-timeout=60s");
        options.add("-Dlog4j.configurationFile=" + log4jConfig.toUri());
        return options;
    }

    private static Map<String, String> flinkEnvironment(Path confDir) {
        return Map.of("FLINK_CONF_DIR", confDir.toString());
    }

    /**
     * JVM options (heap, direct memory, metaspace) and dynamic properties (the derived memory
     * sizes) of a JobManager ({@code JM}) or TaskManager ({@code TM}), computed by Flink's {@code
     * BashJavaUtils} from the configuration, as {@code jobmanager.sh} and {@code taskmanager.sh}
     * do.
     */
    private static List<List<String>> memoryParameters(Processes.Child tool, String which)
            throws InterruptedException {
        int exit = tool.awaitExit(TOOL_TIMEOUT);
        List<String> results =
                tool.output()
                        .lines()
                        .filter(line -> line.startsWith(EXEC_RESULT))
                        .map(line -> line.substring(EXEC_RESULT.length()).trim())
                        .collect(Collectors.toList());
        if (exit != 0 || results.size() < 2) {
            throw new IllegalStateException(
                    "BashJavaUtils GET_" + which + "_RESOURCE_PARAMS failed:\n" + tool.tail(30));
        }
        // The last two results: the JVM options, then the dynamic properties ("-D key=value").
        List<String> jvm = split(results.get(results.size() - 2));
        List<String> dynamic = split(results.get(results.size() - 1));
        return List.of(jvm, dynamic);
    }

    private static Processes.Child startBashJavaUtils(
            Processes processes, String classpath, Path confDir, String which) {
        return processes.startJava(
                "bash-java-utils-" + which.toLowerCase(Locale.ROOT),
                List.of("-Xmx128m"),
                classpath,
                BASH_JAVA_UTILS,
                List.of("GET_" + which + "_RESOURCE_PARAMS", "--configDir", confDir.toString()),
                Map.of());
    }

    private static List<String> split(String line) {
        return line.isBlank() ? List.of() : Arrays.asList(line.trim().split("\\s+"));
    }
}
