package dev.keyflow.state;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The command line of the {@link SavepointInspector}: prints the event log of one key or of all
 * keys of a savepoint as JSON lines on standard output. Keys are read as strings.
 *
 * <pre>
 * java -cp keyflow-state.jar:&lt;flink and job classes&gt; dev.keyflow.state.InspectSavepoint \
 *     --savepoint file:///savepoints/savepoint-4f2a1c-0123456789ab \
 *     --uid keyflow-keyed-async --name account \
 *     --mutation-class com.acme.Booking --state-class com.acme.Balance \
 *     [--key account-42]
 * </pre>
 *
 * Exit status: 0 after printing (also when nothing matched), 1 when the read failed, 2 for wrong
 * arguments. Messages go to standard error.
 */
public final class InspectSavepoint {

    private static final Set<String> OPTIONS =
            Set.of("savepoint", "uid", "name", "mutation-class", "state-class", "key");
    private static final String USAGE =
            "usage: InspectSavepoint --savepoint <path> --uid <operator uid>"
                    + " --mutation-class <class> --state-class <class> [--name <log name>]"
                    + " [--key <key>]";

    private InspectSavepoint() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the command on a local environment; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return run(args, env, out, err);
    }

    /** Runs the command on {@code env}; returns the exit status. */
    public static int run(
            String[] args, StreamExecutionEnvironment env, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")
                    || !OPTIONS.contains(arg.substring(2))
                    || i + 1 == args.length) {
                err.println("unknown or incomplete option: " + arg);
                err.println(USAGE);
                return 2;
            }
            options.put(arg.substring(2), args[++i]);
        }
        for (String required : new String[] {"savepoint", "uid", "mutation-class", "state-class"}) {
            if (!options.containsKey(required)) {
                err.println("missing --" + required);
                err.println(USAGE);
                return 2;
            }
        }
        SavepointInspector<String> inspector;
        try {
            SavepointInspector.Builder<String> builder =
                    SavepointInspector.<String>builder()
                            .savepoint(options.get("savepoint"))
                            .operatorUid(options.get("uid"))
                            .eventLog(
                                    eventLog(
                                            options.getOrDefault("name", "eventlog"),
                                            load(options.get("mutation-class")),
                                            load(options.get("state-class"))))
                            .keyType(Types.STRING);
            if (options.containsKey("key")) {
                builder.key(options.get("key"));
            }
            inspector = builder.build();
        } catch (ClassNotFoundException | IllegalArgumentException e) {
            err.println("wrong argument: " + e);
            err.println(USAGE);
            return 2;
        }
        try {
            long printed = inspector.print(env, out);
            err.println(printed + " entries");
            return 0;
        } catch (Exception e) {
            err.println("could not read the savepoint: " + e);
            Throwable cause = e.getCause();
            while (cause != null) {
                err.println("  caused by: " + cause);
                cause = cause.getCause();
            }
            return 1;
        }
    }

    private static Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, false, Thread.currentThread().getContextClassLoader());
    }

    /** A log that can be read but not folded: the inspector never loads the state. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static EventLog<?, ?> eventLog(String name, Class<?> mutation, Class<?> state) {
        return EventLog.builder()
                .name(name)
                .mutationType((TypeInformation) TypeInformation.of(mutation))
                .stateType((TypeInformation) TypeInformation.of(state))
                .fold(
                        Fold.of(
                                () -> {
                                    throw new UnsupportedOperationException("read only");
                                },
                                (s, m) -> {
                                    throw new UnsupportedOperationException("read only");
                                }))
                .build();
    }
}
