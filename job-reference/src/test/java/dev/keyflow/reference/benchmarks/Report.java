package dev.keyflow.reference.benchmarks;

import dev.keyflow.reference.benchmarks.EndToEndBenchmark.Job;
import dev.keyflow.reference.benchmarks.EndToEndBenchmark.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/** Writes the end-to-end benchmark's report ({@code docs/benchmarks.md}) and chart (SVG). */
final class Report {

    static final Path MARKDOWN = Path.of(System.getProperty("report", "docs/benchmarks.md"));
    static final Path CHART = MARKDOWN.resolveSibling("benchmarks").resolve("e2e.svg");
    static final Path CSV = CHART.resolveSibling("e2e-results.csv");

    private Report() {}

    static void write(
            List<Result> results, String loadBefore, String loadAfter, boolean preliminary)
            throws IOException {
        Files.createDirectories(CHART.getParent());
        Files.writeString(CHART, Chart.svg(sweep(results)));
        Files.writeString(CSV, csv(results));
        Files.writeString(MARKDOWN, markdown(results, loadBefore, loadAfter, preliminary));
    }

    private static List<Result> sweep(List<Result> results) {
        List<Result> sweep = new ArrayList<>();
        for (Result r : results) {
            if (r.sweep()) {
                sweep.add(r);
            }
        }
        return sweep;
    }

    static String markdown(
            List<Result> results, String loadBefore, String loadAfter, boolean preliminary) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        if (preliminary) {
            md.append(
                    "> **Preliminary**: a short run (`-Dshort=true`, a few seconds of data per run)"
                            + " on a machine shared with other builds (load average "
                            + loadBefore
                            + " at the start, "
                            + loadAfter
                            + " at the end). It checks the set-up; its figures are not the"
                            + " benchmark's.\n\n");
        }
        md.append(
                "End to end: keyflow's reference pipeline against the job a competent Flink"
                        + " developer would write from the same design without keyflow, on the"
                        + " same input, the same customer service and the same Flink settings."
                        + " Micro-benchmarks of the parts: [XML](benchmarks/xml.md),"
                        + " [rules](benchmarks/rules.md), [state](benchmarks/state.md),"
                        + " [keyed async](keyed-async.md#benchmark). Where the time goes:"
                        + " [analysis](benchmarks/e2e-analysis.md). Every run's figures:"
                        + " [e2e-results.csv](benchmarks/e2e-results.csv).\n\n");
        md.append(goals(results));
        md.append("## Machine and settings\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "- %s; %d cores (`nproc`), JVM %s %s, max heap %d MB; load average %s at"
                                + " the start, %s at the end\n",
                        LocalDate.now(),
                        Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.vm.name"),
                        System.getProperty("java.vm.version"),
                        Runtime.getRuntime().maxMemory() / (1024 * 1024),
                        loadBefore,
                        loadAfter));
        md.append(
                "- Everything in one JVM: the Kafka broker (KRaft, one node), a Flink MiniCluster"
                        + " (1 task manager, 2 slots, parallelism 2, 512 MB managed memory), the"
                        + " demo customer service (5 ms per answer), the producer and the"
                        + " read_committed reader of the outbox.\n"
                        + "- Both jobs: RocksDB (incremental), checkpoints every 10 s to a local"
                        + " directory, exactly-once Kafka sinks (outbox and DLQ), input topic with"
                        + " 2 partitions, Kryo (generic types) off.\n"
                        + "- keyflow: the reference configuration (resequencer on, 5 s"
                        + " out-of-orderness, keyed async capacity 1000, 64 HTTP requests in"
                        + " flight per subtask, event log snapshot every 100 mutations).\n"
                        + "- Input: the demo generator, in order per key (no displaced or late"
                        + " events: the straightforward job has no resequencer), 1% invalid"
                        + " documents, 1% invalid transitions, customers 98% normal, 1% unknown, 1%"
                        + " blocked (no flaky or down customers: no retries). Messages padded to"
                        + " 1 KB or 10 KB with an XML comment inside the body (schema-valid, same"
                        + " fields). About one event in 5.5 is a `PLACED` that calls the"
                        + " service.\n"
                        + "- Throughput = input events / (first input past the key stage -> last"
                        + " command at the outbox sink), taken inside the job. Drain = job"
                        + " submission -> all commands visible to a read_committed consumer"
                        + " (includes start-up and the last checkpoint's commit). Latency ="
                        + " moment the first command of an input was polled by a read_committed"
                        + " consumer - the input's produce time (its Kafka timestamp), joined by"
                        + " `eventId`. CPU = process CPU load (all cores = 100%), averaged over the"
                        + " throughput window; heap = the highest used heap seen.\n\n");

        md.append(
                "## Command\n\n```bash\nbench/e2e.sh            # full run, about 15 minutes\n"
                        + "bench/e2e.sh -Dshort=true   # a few seconds per run, to check the set-up\n```\n\n");

        List<Result> sweep = sweep(results);
        if (!sweep.isEmpty()) {
            md.append("## Offered load, 1 KB messages\n\n");
            md.append(
                    "Fixed rates: the job runs first, then the producer offers the rate for the"
                            + " run's duration with the record timestamp = the wall clock. `max`:"
                            + " the events are produced first, then the job drains them (its"
                            + " latency is queueing, not shown). A rate above 1.5x a job's"
                            + " maximum is not run.\n\n");
            md.append(
                    "Ratios are keyflow / straightforward. `keyflow, resequencer off` is the"
                            + " reference job without its resequencer, like the straightforward"
                            + " job: it does not hold events for the 5 s watermark bound. Every"
                            + " latency includes the wait for the checkpoint that commits the"
                            + " outbox transaction (every 10 s: 5 s on average).\n\n");
            md.append(
                    "| offered | keyflow events/s | keyflow p50 / p95 / p99 / max ms"
                            + " | resequencer off events/s | resequencer off p50 / p95 / p99 / max ms"
                            + " | straightforward events/s | straightforward p50 / p95 / p99 / max ms"
                            + " | throughput ratio | p99 ratio | p99 ratio, resequencer off |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            TreeSet<Integer> loads = new TreeSet<>();
            sweep.forEach(r -> loads.add(r.offered()));
            List<Integer> ordered = new ArrayList<>(loads);
            ordered.remove(Integer.valueOf(0));
            ordered.add(0);
            for (int offered : ordered) {
                Optional<Result> k = find(sweep, Job.KEYFLOW, offered);
                Optional<Result> u = find(sweep, Job.KEYFLOW_UNORDERED, offered);
                Optional<Result> p = find(sweep, Job.PLAIN, offered);
                md.append("| ")
                        .append(offered == 0 ? "max" : String.format(Locale.ROOT, "%,d/s", offered))
                        .append(" | ")
                        .append(k.map(Report::throughput).orElse("not run"))
                        .append(" | ")
                        .append(k.map(r -> latency(r, offered)).orElse("-"))
                        .append(" | ")
                        .append(u.map(Report::throughput).orElse("not run"))
                        .append(" | ")
                        .append(u.map(r -> latency(r, offered)).orElse("-"))
                        .append(" | ")
                        .append(p.map(Report::throughput).orElse("not run"))
                        .append(" | ")
                        .append(p.map(r -> latency(r, offered)).orElse("-"))
                        .append(" | ")
                        .append(
                                k.isPresent() && p.isPresent() && p.get().throughput() > 0
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.1fx",
                                                k.get().throughput() / p.get().throughput())
                                        : "-")
                        .append(" | ")
                        .append(
                                offered != 0
                                                && k.isPresent()
                                                && p.isPresent()
                                                && p.get().latencyMs()[2] > 0
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.2f",
                                                k.get().latencyMs()[2] / p.get().latencyMs()[2])
                                        : "-")
                        .append(" | ")
                        .append(
                                offered != 0
                                                && u.isPresent()
                                                && p.isPresent()
                                                && p.get().latencyMs()[2] > 0
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.2f",
                                                u.get().latencyMs()[2] / p.get().latencyMs()[2])
                                        : "-")
                        .append(" |\n");
            }
            md.append(
                    "\n![throughput and p99 latency against offered load](benchmarks/e2e.svg)\n\n");
        }

        md.append("## Maximum rate: keys and message size\n\n");
        md.append(
                "Pre-produced events (event times as if produced at 20,000/s), then the job drains"
                        + " them. `keys` = distinct orders in the input; an order has about 5.5"
                        + " events, so few keys cap the events.\n\n");
        md.append(
                "| job | keys | size | events | commands | events/s | drain s | checkpoints | cp"
                        + " avg / max ms | cp avg / max size | state size | CPU | heap MB |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            if (r.offered() != 0) {
                continue;
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %s | %,d | %,d%s | %s | %.1f | %d | %d / %d | %s / %s | %s |"
                                    + " %.0f%% | %d |\n",
                            r.job().label,
                            String.format(Locale.ROOT, "%,d", r.keys()),
                            r.size() >= 1024 ? (r.size() / 1024) + " KB" : r.size() + " B",
                            r.events(),
                            r.commandsSeen(),
                            r.complete() ? "" : " of " + r.commandsExpected() + " (timed out)",
                            throughput(r),
                            r.drainSeconds(),
                            r.checkpoints().completed(),
                            r.checkpoints().avgMs(),
                            r.checkpoints().maxMs(),
                            bytes(r.checkpoints().avgBytes()),
                            bytes(r.checkpoints().maxBytes()),
                            bytes(r.checkpoints().stateBytes()),
                            r.cpu() * 100,
                            r.heapMb()));
        }
        md.append(
                "\nCheckpoint figures are Flink's own (`CheckpointStatsSnapshot` of the job):"
                        + " end-to-end duration, checkpointed (uploaded) size and full state size;"
                        + " a run shorter than 10 s may have none.\n\n");

        md.append("## Fixed-rate runs in detail\n\n");
        md.append(
                "| job | offered | events | commands | events/s | p50 / p95 / p99 / max ms |"
                        + " checkpoints | cp avg / max ms | cp avg size | CPU | heap MB |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            if (r.offered() == 0) {
                continue;
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d/s | %,d | %,d%s | %s | %s | %d | %d / %d | %s | %.0f%% | %d"
                                    + " |\n",
                            r.job().label,
                            r.offered(),
                            r.events(),
                            r.commandsSeen(),
                            r.complete() ? "" : " of " + r.commandsExpected() + " (timed out)",
                            throughput(r),
                            latency(r, r.offered()),
                            r.checkpoints().completed(),
                            r.checkpoints().avgMs(),
                            r.checkpoints().maxMs(),
                            bytes(r.checkpoints().avgBytes()),
                            r.cpu() * 100,
                            r.heapMb()));
        }

        md.append("\n## Keyed async operator vs `AsyncDataStream.orderedWait`, one slow key\n\n");
        md.append(
                "Measured by core's `KeyedAsyncBenchmark` (command and full tables in"
                        + " [keyed-async.md](keyed-async.md#benchmark); not repeated here). Its"
                        + " figures of 2026-11-23 (2 cores, parallelism 2, capacity 1000): latency"
                        + " of the other keys while every call of one key takes 500 ms (others"
                        + " 5 ms), input at 10k/s:\n\n"
                        + "| variant | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|\n"
                        + "| keyed async | 5.1 | 5.3 | 85.2 |\n"
                        + "| unorderedWait (no order at all) | 5.1 | 5.3 | 58.8 |\n"
                        + "| orderedWait | 5.1 | 480.4 | 505.8 |\n\n"
                        + "Throughput with 1% of calls at 500 ms: keyed async 79,224/s (capacity"
                        + " 1000) and 160,707/s (capacity 10000) against orderedWait 4,358/s.\n");
        return md.toString();
    }

    /** Every run's figures, one line each. */
    static String csv(List<Result> results) {
        StringBuilder csv =
                new StringBuilder(
                        "job,load,offered,keys,size,events,commands_expected,commands_seen,"
                                + "events_per_s,drain_s,p50_ms,p95_ms,p99_ms,max_ms,checkpoints,"
                                + "cp_avg_ms,cp_max_ms,cp_avg_bytes,cp_max_bytes,state_bytes,cpu,"
                                + "heap_mb\n");
        for (Result r : results) {
            double[] l = r.latencyMs();
            var c = r.checkpoints();
            csv.append(
                    String.format(
                            Locale.ROOT,
                            "%s,%s,%d,%d,%d,%d,%d,%d,%.0f,%.1f,%.0f,%.0f,%.0f,%.0f,%d,%d,%d,%d,%d,"
                                    + "%d,%.2f,%d\n",
                            r.job().label,
                            r.load(),
                            r.offered(),
                            r.keys(),
                            r.size(),
                            r.events(),
                            r.commandsExpected(),
                            r.commandsSeen(),
                            r.throughput(),
                            r.drainSeconds(),
                            l[0],
                            l[1],
                            l[2],
                            l[3],
                            c.completed(),
                            c.avgMs(),
                            c.maxMs(),
                            c.avgBytes(),
                            c.maxBytes(),
                            c.stateBytes(),
                            r.cpu(),
                            r.heapMb()));
        }
        return csv.toString();
    }

    /** The goals of issue 10 against what this run measured. */
    private static String goals(List<Result> results) {
        StringBuilder md =
                new StringBuilder("## Goals\n\n| goal | measured | met |\n|---|---|---|\n");
        List<Result> sweep = sweep(results);
        Optional<Result> k = best(results, Job.KEYFLOW);
        Optional<Result> p = best(results, Job.PLAIN);
        if (k.isPresent() && p.isPresent() && p.get().throughput() > 0) {
            double ratio = k.get().throughput() / p.get().throughput();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| keyflow >= 10x the straightforward job's throughput | %.1fx (%s vs"
                                    + " %s events/s: each job's best maximum-rate run, 1 KB) |"
                                    + " %s |\n",
                            ratio,
                            throughput(k.get()),
                            throughput(p.get()),
                            ratio >= 10 ? "yes" : "no"));
        }
        // p99 at the highest offered load both jobs ran.
        Optional<Integer> common =
                sweep.stream()
                        .filter(r -> r.job() == Job.KEYFLOW && r.offered() > 0)
                        .map(Result::offered)
                        .filter(o -> find(sweep, Job.PLAIN, o).isPresent())
                        .max(Integer::compare);
        if (common.isPresent()) {
            Result kr = find(sweep, Job.KEYFLOW, common.get()).orElseThrow();
            Result pr = find(sweep, Job.PLAIN, common.get()).orElseThrow();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| keyflow's p99 lower | %,.0f ms vs %,.0f ms at %,d/s (the highest"
                                    + " load both ran; above it the straightforward job falls"
                                    + " behind) | %s |\n",
                            kr.latencyMs()[2],
                            pr.latencyMs()[2],
                            common.get(),
                            kr.latencyMs()[2] < pr.latencyMs()[2] ? "yes" : "no"));
            find(sweep, Job.KEYFLOW_UNORDERED, common.get())
                    .ifPresent(
                            ur ->
                                    md.append(
                                            String.format(
                                                    Locale.ROOT,
                                                    "| the same, keyflow with its resequencer off"
                                                            + " | %,.0f ms vs %,.0f ms at %,d/s | %s |\n",
                                                    ur.latencyMs()[2],
                                                    pr.latencyMs()[2],
                                                    common.get(),
                                                    ur.latencyMs()[2] < pr.latencyMs()[2]
                                                            ? "yes"
                                                            : "no")));
        }
        double best = best(results, Job.KEYFLOW).map(Result::throughput).orElse(0.0);
        md.append(
                String.format(
                        Locale.ROOT,
                        "| >= 20,000 events/s, 1 KB, 2 cores, broker in the JVM | %,.0f events/s"
                                + " (best keyflow maximum-rate run, 1 KB) | %s |\n\n",
                        best,
                        best >= 20_000 ? "yes" : "no"));
        return md.toString();
    }

    /** The job's fastest maximum-rate run on 1 KB messages. */
    private static Optional<Result> best(List<Result> results, Job job) {
        return results.stream()
                .filter(r -> r.job() == job && r.size() == 1024 && r.offered() == 0)
                .max((x, y) -> Double.compare(x.throughput(), y.throughput()));
    }

    private static Optional<Result> find(List<Result> results, Job job, int offered) {
        return results.stream().filter(r -> r.job() == job && r.offered() == offered).findFirst();
    }

    private static String throughput(Result r) {
        return String.format(Locale.ROOT, "%,.0f", r.throughput());
    }

    private static String latency(Result r, int offered) {
        if (offered == 0) {
            return "-";
        }
        double[] l = r.latencyMs();
        return String.format(Locale.ROOT, "%,.0f / %,.0f / %,.0f / %,.0f", l[0], l[1], l[2], l[3])
                + (r.complete() ? "" : " (incomplete)");
    }

    static String bytes(long bytes) {
        if (bytes >= 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
        }
        if (bytes >= 1024) {
            return String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
        }
        return bytes + " B";
    }
}
