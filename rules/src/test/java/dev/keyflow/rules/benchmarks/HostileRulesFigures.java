package dev.keyflow.rules.benchmarks;

import dev.keyflow.rules.AviatorFilter;
import dev.keyflow.rules.BundleFormat;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.CelRuleSet;
import dev.keyflow.rules.CompiledFilter;
import dev.keyflow.rules.CompiledRuleSet;
import dev.keyflow.rules.FieldType;
import dev.keyflow.rules.Severity;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Prints time and allocation of the hostile inputs of issue 14 (items 3 to 6) against the rules
 * module: one case per run, so that a case that runs away (or runs out of memory) does not hide the
 * others; the second argument repeats it (the first run includes class loading and JIT
 * compilation). Nothing is asserted; the tests assert the outcomes (see docs/rules.md, "Bounds").
 *
 * <pre>
 * mvn -q -pl rules -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/rules-cp.txt -Dmdep.includeScope=test
 * for c in cel-map cel-concat cel-sequential cel-deep-state cel-cyclic-list aviator-concat \
 *          aviator-doubling aviator-overflow aviator-string-getters bundle-quoted-1mib \
 *          bundle-4mib; do
 *   timeout 120 java -Xmx1g -cp rules/target/test-classes:rules/target/classes:$(cat /tmp/rules-cp.txt) \
 *       dev.keyflow.rules.benchmarks.HostileRulesFigures $c 3
 * done
 * </pre>
 */
public final class HostileRulesFigures {

    private static final String S64K = "x".repeat(64 * 1024);
    private static final List<Object> L1000 =
            Collections.nCopies(1000, (Object) 1L).stream().collect(Collectors.toList());

    private HostileRulesFigures() {}

    public static void main(String[] args) throws Exception {
        String name = args.length == 0 ? "cel-map" : args[0];
        Runnable run =
                switch (name) {
                    case "cel-map" -> celMap();
                    case "cel-concat" -> celConcat();
                    case "cel-sequential" -> celSequential();
                    case "cel-deep-state" -> celDeepState();
                    case "cel-cyclic-list" -> celCyclicList();
                    case "aviator-concat" -> aviatorConcat();
                    case "aviator-doubling" -> aviatorDoubling();
                    case "aviator-overflow" -> aviator("9223372036854775807 + 1 < 0");
                    case "aviator-string-getters" ->
                            aviator(
                                    "event.name.class != nil && event.name.bytes != nil"
                                            + " && event.name.empty == false");
                    case "bundle-quoted-1mib" -> bundle(quotedBundle(1024 * 1024));
                    case "bundle-4mib" -> bundle(quotedBundle(4 * 1024 * 1024 - 200));
                    default -> throw new IllegalArgumentException("unknown case " + name);
                };
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        for (int i = 1; i <= runs; i++) {
            measure(name + " #" + i, run);
        }
    }

    private static void measure(String name, Runnable run) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long bytes = threads.getThreadAllocatedBytes(id);
        long start = System.nanoTime();
        String outcome;
        try {
            run.run();
            outcome = "done";
        } catch (OutOfMemoryError e) {
            outcome = "OutOfMemoryError";
        }
        double ms = (System.nanoTime() - start) / 1e6;
        double mb = (threads.getThreadAllocatedBytes(id) - bytes) / 1e6;
        System.out.printf("%-24s %10.1f ms %12.1f MB  %s%n", name, ms, mb, outcome);
    }

    private static CompiledRuleSet cel(String expression, CelRuleSet.Builder fields) {
        try {
            return fields.rule(new CelRule("r", expression, "r", Severity.ERROR)).build().compile();
        } catch (Exception e) {
            System.out.println("rejected at compile time: " + e.getMessage());
            return null;
        }
    }

    private static Runnable evaluate(
            CompiledRuleSet rules, Map<String, ?> fields, Map<String, ?> state) {
        return () -> {
            if (rules == null) {
                return;
            }
            try {
                System.out.println(rules.evaluate(fields, state, Map.of()));
            } catch (StackOverflowError e) {
                System.out.println("evaluate threw StackOverflowError");
            }
        };
    }

    /** 3.6 KB: {@code size([0,...900].map(x, [0,...900])) > 0}. */
    private static Runnable celMap() {
        String list =
                IntStream.range(0, 900)
                        .mapToObj(i -> "0")
                        .collect(Collectors.joining(",", "[", "]"));
        return evaluate(
                cel("size(" + list + ".map(x, " + list + ")) > 0", CelRuleSet.builder()),
                Map.of(),
                Map.of());
    }

    /** {@code l.all(x, size(s+s+...31 terms) > 0)} with a 64 KiB s and 1,000 items in l. */
    private static Runnable celConcat() {
        String sum = IntStream.range(0, 31).mapToObj(i -> "s").collect(Collectors.joining("+"));
        return evaluate(
                cel(
                        "l.all(x, size(" + sum + ") > 0)",
                        CelRuleSet.builder()
                                .field("s", FieldType.STRING)
                                .field("l", FieldType.LIST)),
                Map.of("s", S64K, "l", L1000),
                Map.of());
    }

    /** 60 comprehensions one after the other over a list of 10 items (600 iterations). */
    private static Runnable celSequential() {
        String rule =
                IntStream.range(0, 60)
                        .mapToObj(i -> "l.all(x, x > 0)")
                        .collect(Collectors.joining(" && "));
        return evaluate(
                cel(
                        rule,
                        CelRuleSet.builder()
                                .field("l", FieldType.LIST)
                                .maxComprehensionIterations(20)),
                Map.of("l", L1000.subList(0, 10)),
                Map.of());
    }

    /** {@code !has(state.b)} with a state map nested 2,000 deep. */
    private static Runnable celDeepState() {
        Map<String, Object> state = new HashMap<>();
        Map<String, Object> inner = state;
        for (int i = 0; i < 2000; i++) {
            Map<String, Object> next = new HashMap<>();
            inner.put("a", next);
            inner = next;
        }
        return evaluate(cel("!has(state.b)", CelRuleSet.builder()), Map.of(), state);
    }

    /** {@code l == l} with a list that contains itself. */
    private static Runnable celCyclicList() {
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(1L);
        cyclic.add(cyclic);
        return evaluate(
                cel("l == l", CelRuleSet.builder().field("l", FieldType.LIST)),
                Map.of("l", cyclic),
                Map.of());
    }

    private static Runnable aviator(String script) {
        return aviator(AviatorFilter.builder("f", script).build());
    }

    private static Runnable aviator(AviatorFilter filter) {
        CompiledFilter compiled;
        try {
            // Warms Aviator up (class loading, ASM) on a harmless filter.
            AviatorFilter.builder("warm", "true")
                    .build()
                    .compile()
                    .test(Map.of(), Map.of(), Map.of(), List.of());
            compiled = filter.compile();
        } catch (Exception e) {
            System.out.println("rejected at compile time: " + e.getMessage());
            return () -> {};
        }
        return () ->
                System.out.println(
                        compiled.test(
                                Map.of("name", "order-1"), Map.of("s", S64K), Map.of(), List.of()));
    }

    /** {@code string.length(user.s+user.s+...) > 0}, 1,143 terms, with a 64 KiB user.s. */
    private static Runnable aviatorConcat() {
        String sum =
                IntStream.range(0, 1143).mapToObj(i -> "user.s").collect(Collectors.joining("+"));
        return aviator("string.length(" + sum + ") > 0");
    }

    /** A loop that doubles a string until something stops it. */
    private static Runnable aviatorDoubling() {
        return aviator(
                AviatorFilter.builder("f", "let s = 'x'; while(true) { s = s + s; } true")
                        .loops(true)
                        .maxLoopIterations(Integer.MAX_VALUE)
                        .build());
    }

    /**
     * A YAML bundle whose one rule message is a double-quoted string of about {@code size} bytes.
     */
    private static byte[] quotedBundle(int size) {
        String text =
                "name: orders\nversion: 1\nrules:\n  - {id: r, expression: 'true', severity: ERROR,"
                        + " message: \""
                        + "a".repeat(size)
                        + "\"}\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Runnable bundle(byte[] document) {
        return () -> {
            try {
                BundleFormat.parse(document);
                System.out.println("parsed " + document.length + " bytes");
            } catch (Exception e) {
                String message = String.valueOf(e.getMessage());
                System.out.println(
                        "rejected: " + message.substring(0, Math.min(160, message.length())));
            }
        };
    }
}
