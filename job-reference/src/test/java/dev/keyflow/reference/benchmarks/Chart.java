package dev.keyflow.reference.benchmarks;

import dev.keyflow.reference.benchmarks.EndToEndBenchmark.Job;
import dev.keyflow.reference.benchmarks.EndToEndBenchmark.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A two-panel SVG chart: throughput and p99 latency against offered load, one line per job. Written
 * by hand to keep the benchmark free of chart libraries.
 */
final class Chart {

    private static final int PANEL_W = 420;
    private static final int PANEL_H = 300;
    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLORS = {"#1f77b4", "#2ca02c", "#d62728"};

    private Chart() {}

    static String svg(List<Result> sweep) {
        TreeSet<Integer> rates = new TreeSet<>();
        sweep.forEach(r -> rates.add(r.offered()));
        rates.remove(0);
        List<String> categories = new ArrayList<>();
        rates.forEach(r -> categories.add(String.format(Locale.ROOT, "%,d/s", r)));
        categories.add("max");
        List<Integer> loads = new ArrayList<>(rates);
        loads.add(0);

        StringBuilder svg = new StringBuilder();
        int width = 2 * (LEFT + PANEL_W) + 40;
        int height = TOP + PANEL_H + BOTTOM + 30;
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                                + " font-family=\"sans-serif\" font-size=\"12\">\n"
                                + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                        width,
                        height));
        panel(svg, 0, "throughput (events/s)", categories, loads, sweep, true);
        panel(
                svg,
                LEFT + PANEL_W + 40,
                "p99 latency (ms, to read_committed)",
                categories,
                loads,
                sweep,
                false);
        // Legend.
        int y = height - 12;
        for (Job job : Job.values()) {
            int x = LEFT + job.ordinal() * 240;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                                    + " stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
                            x,
                            y - 4,
                            x + 24,
                            y - 4,
                            COLORS[job.ordinal()],
                            x + 30,
                            y,
                            job.label));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(
            StringBuilder svg,
            int x0,
            String title,
            List<String> categories,
            List<Integer> loads,
            List<Result> sweep,
            boolean throughput) {
        double max = 1;
        for (Result r : sweep) {
            if (!throughput && r.offered() == 0) {
                continue;
            }
            max = Math.max(max, value(r, throughput));
        }
        max = niceCeiling(max);
        int left = x0 + LEFT;
        int bottom = TOP + PANEL_H;
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n",
                        left,
                        TOP - 15,
                        title));
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                        left,
                        TOP,
                        left,
                        bottom,
                        left,
                        bottom,
                        left + PANEL_W,
                        bottom));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            int y = bottom - (int) (PANEL_H * i / 4.0);
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%,.0f</text>\n",
                            left,
                            y,
                            left + PANEL_W,
                            y,
                            left - 6,
                            y + 4,
                            v));
        }
        int n = categories.size();
        for (int i = 0; i < n; i++) {
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                            xOf(left, i, n),
                            bottom + 18,
                            categories.get(i)));
        }
        svg.append(
                String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered load</text>\n",
                        left + PANEL_W / 2,
                        bottom + 36));
        for (Job job : Job.values()) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < n; i++) {
                int load = loads.get(i);
                if (!throughput && load == 0) {
                    continue;
                }
                for (Result r : sweep) {
                    if (r.job() == job && r.offered() == load) {
                        int x = xOf(left, i, n);
                        int y = bottom - (int) (PANEL_H * value(r, throughput) / max);
                        points.append(x).append(',').append(y).append(' ');
                        svg.append(
                                String.format(
                                        Locale.ROOT,
                                        "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>\n",
                                        x,
                                        y,
                                        COLORS[job.ordinal()]));
                    }
                }
            }
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\""
                                    + " stroke-width=\"2\"/>\n",
                            points.toString().trim(),
                            COLORS[job.ordinal()]));
        }
    }

    private static double value(Result r, boolean throughput) {
        return throughput ? r.throughput() : r.latencyMs()[2];
    }

    private static int xOf(int left, int i, int n) {
        return left + (int) (PANEL_W * (i + 0.5) / n);
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
