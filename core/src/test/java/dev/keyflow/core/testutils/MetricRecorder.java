package dev.keyflow.core.testutils;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;

/**
 * Records the metrics an operator registers in a test harness, by their name below the operator
 * (for example {@code keyflow.resequencer.late} or {@code
 * keyflow.errors.stage.RESEQUENCING.reason.LATE.count}).
 *
 * <pre>{@code
 * MetricRecorder metrics = new MetricRecorder();
 * try (var harness = KeyflowHarnesses.keyed(function, Envelope::key, Types.STRING, metrics)) {
 *     harness.open();
 *     ...
 *     assertThat(metrics.count("keyflow.resequencer.late")).isEqualTo(1);
 * }
 * }</pre>
 *
 * Names are the scope components from the first {@code keyflow} group on, so metrics that do not
 * live below a {@code keyflow} group are not recorded.
 */
public final class MetricRecorder {

    private static final String ROOT = "keyflow";

    private final Map<String, Metric> metrics = new ConcurrentHashMap<>();
    private final TaskMetricGroup taskGroup;

    public MetricRecorder() {
        TestingMetricRegistry registry =
                TestingMetricRegistry.builder()
                        .setRegisterConsumer(
                                (metric, name, group) -> {
                                    String recorded = nameOf(name, group);
                                    if (recorded != null) {
                                        metrics.put(recorded, metric);
                                    }
                                })
                        .build();
        taskGroup =
                TaskManagerMetricGroup.createTaskManagerMetricGroup(
                                registry, "localhost", ResourceID.generate())
                        .addJob(new JobID(), "test-job")
                        .addTask(ExecutionAttemptID.randomId(), "test-task");
    }

    /** The task metric group to give to the harness's environment. */
    public TaskMetricGroup taskGroup() {
        return taskGroup;
    }

    /** The count of a counter. */
    public long count(String name) {
        return get(name, Counter.class).getCount();
    }

    /** The count of a counter, or 0 if it was never registered (error counters appear lazily). */
    public long countOrZero(String name) {
        Metric metric = metrics.get(name);
        return metric == null ? 0 : ((Counter) metric).getCount();
    }

    /**
     * Every error counter ({@code keyflow.errors.stage.<STAGE>.reason.<REASON>.count}) as {@code
     * STAGE/REASON -> count}, sorted.
     */
    public Map<String, Long> errorCounts() {
        return errorCounts(metrics);
    }

    /**
     * The error counters among a reporter's metrics (for example {@code
     * InMemoryReporter.findMetrics(jobId, "keyflow")}), summed over operators and subtasks, as
     * {@code STAGE/REASON -> count}, sorted.
     */
    public static Map<String, Long> errorCounts(Map<String, Metric> reported) {
        Map<String, Long> counts = new TreeMap<>();
        reported.forEach(
                (name, metric) -> {
                    java.util.regex.Matcher m = ERROR_COUNTER.matcher(name);
                    if (m.find() && metric instanceof Counter counter) {
                        counts.merge(m.group(1) + "/" + m.group(2), counter.getCount(), Long::sum);
                    }
                });
        return counts;
    }

    private static final java.util.regex.Pattern ERROR_COUNTER =
            java.util.regex.Pattern.compile(
                    "keyflow\\.errors\\.stage\\.(\\w+)\\.reason\\.(\\w+)\\.count$");

    /** The current value of a gauge. */
    public Object gauge(String name) {
        return get(name, Gauge.class).getValue();
    }

    public Histogram histogram(String name) {
        return get(name, Histogram.class);
    }

    /** Every recorded name, sorted. */
    public Map<String, Metric> all() {
        return new TreeMap<>(metrics);
    }

    private <M extends Metric> M get(String name, Class<M> type) {
        Metric metric = metrics.get(name);
        if (metric == null) {
            throw new AssertionError("no metric " + name + "; recorded: " + all().keySet());
        }
        if (!type.isInstance(metric)) {
            throw new AssertionError(name + " is a " + metric.getClass() + ", not a " + type);
        }
        return type.cast(metric);
    }

    private static String nameOf(String name, AbstractMetricGroup<?> group) {
        String[] scope = group.getScopeComponents();
        for (int i = 0; i < scope.length; i++) {
            if (scope[i].equals(ROOT)) {
                StringBuilder out = new StringBuilder();
                for (int j = i; j < scope.length; j++) {
                    out.append(scope[j]).append('.');
                }
                return out.append(name).toString();
            }
        }
        return null;
    }
}
