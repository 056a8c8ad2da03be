package dev.keyflow.reference.local;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.util.TimeUtils;

/**
 * The settings of one local run, read from system properties {@code keyflow.demo.<name>} (what
 * {@code mvn ... exec:exec -Dkeyflow.demo.events=100000} passes on) or arguments {@code --<name>
 * <value>} (for a run from an IDE); an argument wins over a property, a blank value means the
 * default. Unknown names are rejected, so a typo does not silently run the defaults.
 *
 * @param events generated events, main and late phase (the launcher adds one clock event per
 *     partition)
 * @param orders distinct orders (keys); 0 = events / 5
 * @param rate events per second the producer aims at; 0 = as fast as possible
 * @param invalidShare share of main-phase events with a deliberate defect
 * @param outOfOrderShare share of main-phase events swapped out of event-time order
 * @param lateShare share of events produced late (the late phase)
 * @param duration longest time the main phase is produced; 0 = until every event is produced
 * @param seed the generator's random seed
 * @param latency the customer service's answer delay
 * @param parallelism the job's parallelism
 * @param timeout how long each phase may take to reach its expected outputs before the run gives up
 *     waiting and reports the difference
 */
record LocalOptions(
        int events,
        int orders,
        double rate,
        double invalidShare,
        double outOfOrderShare,
        double lateShare,
        Duration duration,
        long seed,
        Duration latency,
        int parallelism,
        Duration timeout) {

    /** The prefix of the system properties. */
    static final String PREFIX = "keyflow.demo.";

    /** Every option with its default, in the order the help text lists them. */
    static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("events", "20000");
        d.put("orders", "0");
        d.put("rate", "5000");
        d.put("invalid-share", "0.05");
        d.put("out-of-order-share", "0.05");
        d.put("late-share", "0.01");
        d.put("duration", "0s");
        d.put("seed", "1");
        d.put("latency", "2ms");
        d.put("parallelism", "2");
        d.put("timeout", "5min");
        return d;
    }

    LocalOptions {
        if (events < 1) {
            throw new IllegalArgumentException("events must be at least 1, was " + events);
        }
        if (orders < 0) {
            throw new IllegalArgumentException("orders must not be negative, was " + orders);
        }
        if (!(rate >= 0)) {
            throw new IllegalArgumentException("rate must not be negative, was " + rate);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException(
                    "parallelism must be at least 1, was " + parallelism);
        }
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(timeout, "timeout");
        if (duration.isNegative() || latency.isNegative() || timeout.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }

    /** The options from {@code args} over {@code system} over the defaults. */
    static LocalOptions from(String[] args, Properties system) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (String name : system.stringPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                set(values, name.substring(PREFIX.length()), system.getProperty(name), name);
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + arg + "'; options: " + help());
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            set(values, name, value, "--" + name);
        }
        return new LocalOptions(
                integer(values, "events"),
                integer(values, "orders"),
                number(values, "rate"),
                number(values, "invalid-share"),
                number(values, "out-of-order-share"),
                number(values, "late-share"),
                duration(values, "duration"),
                Long.parseLong(values.get("seed").trim()),
                duration(values, "latency"),
                integer(values, "parallelism"),
                duration(values, "timeout"));
    }

    /** The options and their defaults, for messages. */
    static String help() {
        StringBuilder help = new StringBuilder();
        DEFAULTS.forEach(
                (name, value) ->
                        help.append(help.length() == 0 ? "" : ", ")
                                .append(PREFIX)
                                .append(name)
                                .append(" (")
                                .append(value)
                                .append(')'));
        return help.toString();
    }

    private static void set(Map<String, String> values, String name, String value, String source) {
        if (!DEFAULTS.containsKey(name)) {
            throw new IllegalArgumentException(
                    source + ": unknown option; the options are " + help());
        }
        if (!value.isBlank()) {
            values.put(name, value.trim());
        }
    }

    private static int integer(Map<String, String> values, String name) {
        try {
            return Integer.parseInt(values.get(name).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    PREFIX + name + ": '" + values.get(name) + "' is not a whole number", e);
        }
    }

    private static double number(Map<String, String> values, String name) {
        try {
            return Double.parseDouble(values.get(name).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    PREFIX + name + ": '" + values.get(name) + "' is not a number", e);
        }
    }

    private static Duration duration(Map<String, String> values, String name) {
        String value = values.get(name);
        try {
            return TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    PREFIX + name + ": '" + value + "' is not a duration (500ms, 30s, 2min)", e);
        }
    }
}
