package dev.keyflow.rules.benchmarks;

import com.googlecode.aviator.AviatorEvaluator;
import com.googlecode.aviator.AviatorEvaluatorInstance;
import com.googlecode.aviator.Expression;
import dev.keyflow.rules.AviatorFilter;
import dev.keyflow.rules.CompiledFilter;
import dev.keyflow.rules.FilterResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One AviatorScript filter per event, three ways: keyflow's sandboxed {@link CompiledFilter} (input
 * copied into a bounded immutable view, evaluation timeout, fail-safe result), the same script in a
 * bare default Aviator instance on the raw maps (the naive way: no sandbox, no copy), and the same
 * predicate written in Java (the lower bound). See docs/benchmarks/micro.md.
 *
 * <p>The input is a typical event (12 fields), user (6), visit (4) and a history of {@code history}
 * earlier events (4 fields each); 16 inputs rotate, about half of them pass.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AviatorFilterBenchmark {

    /** keyflow's documented example filter, plus a string function and a history look-up. */
    static final String SCRIPT =
            "event.amount > 100 && user.tier == 'gold' && count(history) < 500"
                    + " && string.startsWith(visit.page, '/checkout')"
                    + " && include(event.tags, 'web')";

    private static final int INPUTS = 16;

    /** Earlier events handed to the filter as {@code history}. */
    @Param({"10", "100"})
    public int history;

    private final List<Map<String, Object>> events = new ArrayList<>();
    private final List<Map<String, Object>> users = new ArrayList<>();
    private final List<Map<String, Object>> visits = new ArrayList<>();
    private final List<List<Object>> histories = new ArrayList<>();
    private CompiledFilter sandboxed;
    private Expression bare;
    private int next;

    @Setup
    public void setUp() throws Exception {
        for (int i = 0; i < INPUTS; i++) {
            events.add(event(i));
            users.add(user(i));
            visits.add(visit(i));
            List<Object> earlier = new ArrayList<>(history);
            for (int h = 0; h < history; h++) {
                earlier.add(
                        Map.of(
                                "id",
                                "order-" + i + "-" + h,
                                "amount",
                                (long) (h * 7 % 500),
                                "currency",
                                "EUR",
                                "at",
                                1_700_000_000_000L + h * 60_000L));
            }
            histories.add(earlier);
        }
        sandboxed = AviatorFilter.builder("checkout-gold", SCRIPT).build().compile();
        AviatorEvaluatorInstance aviator = AviatorEvaluator.newInstance();
        bare = aviator.compile(SCRIPT, true);
        // Both must decide the same way on every input.
        for (int i = 0; i < INPUTS; i++) {
            boolean java = plainJava(events.get(i), users.get(i), visits.get(i), histories.get(i));
            FilterResult result =
                    sandboxed.test(events.get(i), users.get(i), visits.get(i), histories.get(i));
            Object naive = bare.execute(env(i));
            if (result.outcome() == FilterResult.Outcome.FAILED
                    || result.passed() != java
                    || !Boolean.valueOf(java).equals(naive)) {
                throw new IllegalStateException(
                        "variants disagree on input "
                                + i
                                + ": "
                                + result
                                + " "
                                + naive
                                + " "
                                + java);
            }
        }
    }

    /** keyflow: sandboxed, input copied into a bounded view, fail-safe result. */
    @Benchmark
    public FilterResult sandboxedFilter() {
        int i = next();
        return sandboxed.test(events.get(i), users.get(i), visits.get(i), histories.get(i));
    }

    /** Naive: the same script in a default Aviator instance, on the raw maps. */
    @Benchmark
    public Object bareAviator() {
        return bare.execute(env(next()));
    }

    /** Lower bound: the predicate in Java. */
    @Benchmark
    public boolean plainJava() {
        int i = next();
        return plainJava(events.get(i), users.get(i), visits.get(i), histories.get(i));
    }

    private int next() {
        int i = next;
        next = (i + 1) % INPUTS;
        return i;
    }

    private Map<String, Object> env(int i) {
        Map<String, Object> env = new HashMap<>(8);
        env.put("event", events.get(i));
        env.put("user", users.get(i));
        env.put("visit", visits.get(i));
        env.put("history", histories.get(i));
        return env;
    }

    private static boolean plainJava(
            Map<String, Object> event,
            Map<String, Object> user,
            Map<String, Object> visit,
            List<Object> history) {
        return ((Number) event.get("amount")).longValue() > 100
                && "gold".equals(user.get("tier"))
                && history.size() < 500
                && ((String) visit.get("page")).startsWith("/checkout")
                && ((List<?>) event.get("tags")).contains("web");
    }

    private static Map<String, Object> event(int i) {
        Map<String, Object> event = new HashMap<>();
        event.put("id", "order-" + i);
        event.put("amount", (long) (40 + i * 23));
        event.put("currency", i % 3 == 0 ? "USD" : "EUR");
        event.put("country", "DE");
        event.put("quantity", 1 + i % 5);
        event.put("placedAt", 1_700_000_000_000L + i);
        event.put("channel", i % 4 == 0 ? "app" : "web");
        event.put("tags", i % 4 == 0 ? List.of("app", "promo") : List.of("web", "promo", "new"));
        event.put("discount", 0.1 * (i % 3));
        event.put("express", i % 2 == 0);
        event.put("note", "please deliver to the back door");
        event.put("attributes", Map.of("source", "shop", "campaign", "spring"));
        return event;
    }

    private static Map<String, Object> user(int i) {
        return Map.of(
                "id",
                "user-" + i,
                "tier",
                i % 5 == 0 ? "silver" : "gold",
                "age",
                20 + i,
                "country",
                "DE",
                "verified",
                true,
                "since",
                1_600_000_000_000L);
    }

    private static Map<String, Object> visit(int i) {
        return Map.of(
                "page",
                i % 7 == 0 ? "/cart" : "/checkout/payment",
                "referrer",
                "https://example.com",
                "device",
                "mobile",
                "durationMillis",
                12_000L + i);
    }
}
