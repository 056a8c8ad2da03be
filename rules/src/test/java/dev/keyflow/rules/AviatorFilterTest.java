package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AviatorFilterTest {

    private static final Map<String, Object> EVENT =
            Map.of("amount", 150L, "name", "order-1", "tags", List.of("a", "b"));
    private static final Map<String, Object> USER = Map.of("tier", "gold", "age", 30);
    private static final Map<String, Object> VISIT = Map.of("page", "/checkout");
    private static final List<Object> HISTORY =
            List.of(Map.of("amount", 10L), Map.of("amount", 20L));

    @TempDir static Path dir;

    private static FilterResult run(AviatorFilter filter) throws RuleRejectedException {
        return filter.compile().test(EVENT, USER, VISIT, HISTORY);
    }

    private static FilterResult run(String script) throws RuleRejectedException {
        return run(AviatorFilter.builder("f", script).build());
    }

    @Test
    void filtersOnEventUserVisitAndHistory() throws Exception {
        assertThat(
                        run("event.amount > 100 && user.tier == 'gold' && count(history) == 2")
                                .outcome())
                .isEqualTo(FilterResult.Outcome.PASSED);
        assertThat(
                        run("string.startsWith(visit.page, '/check') && include(event.tags, 'b')")
                                .passed())
                .isTrue();
        assertThat(run("event.amount > 1000").outcome())
                .isEqualTo(FilterResult.Outcome.FILTERED_OUT);
        assertThat(run("seq.get(seq.get(history, 1), 'amount') == 20").passed()).isTrue();
    }

    @Test
    void failuresRejectTheEventNeverPassIt() throws Exception {
        FilterResult notBoolean = run("event.amount + 1");
        FilterResult missingKey = run("event.missing.deeper > 1");

        assertThat(notBoolean.outcome()).isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(notBoolean.passed()).isFalse();
        assertThat(notBoolean.toError().build().message())
                .contains("filter 'f' failed")
                .contains("not a boolean");
        assertThat(missingKey.outcome()).isEqualTo(FilterResult.Outcome.FAILED);
    }

    @Test
    void inputOverTheBoundsOrOfOtherTypesFailsTheFilter() throws Exception {
        CompiledFilter filter =
                AviatorFilter.builder("f", "true")
                        .maxStringLength(10)
                        .maxCollectionSize(3)
                        .build()
                        .compile();

        assertThat(filter.test(Map.of("s", "x".repeat(11)), USER, VISIT, HISTORY).outcome())
                .isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(filter.test(EVENT, USER, VISIT, List.of(1, 2, 3, 4)).outcome())
                .isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(filter.test(Map.of("file", new File("/")), USER, VISIT, HISTORY).detail())
                .contains("java.io.File");
        assertThat(filter.test(EVENT, USER, VISIT, HISTORY).passed()).isTrue();
    }

    @Test
    void theInputSeenByTheScriptIsACopyTheCallerKeeps() throws Exception {
        Map<String, Object> event = new HashMap<>(Map.of("amount", 1L));
        List<Object> history = new ArrayList<>(List.of(1L));

        AviatorFilter.builder("f", "count(history) == 1")
                .build()
                .compile()
                .test(event, USER, VISIT, history);

        assertThat(event).containsExactly(Map.entry("amount", 1L));
        assertThat(history).containsExactly(1L);
    }

    /** Escape attempts that must not compile in the sandbox. */
    static Stream<Arguments> rejectedAtCompileTime() {
        String file = dir.resolve("pwned").toString();
        return Stream.of(
                Arguments.of("new instance", "new java.io.File('" + file + "').exists()"),
                Arguments.of(
                        "use + Runtime.exec",
                        "use java.lang.*; Runtime.getRuntime().exec('id') != nil"),
                Arguments.of("System.exit", "System.exit(0) == nil"),
                Arguments.of("fully qualified static call", "java.lang.System.exit(0) == nil"),
                Arguments.of("static field", "java.lang.System.out != nil"),
                Arguments.of("Class.forName", "Class.forName('java.lang.Runtime') != nil"),
                Arguments.of("io.slurp", "io.slurp('/etc/passwd') != nil"),
                Arguments.of("io.spit", "io.spit('" + file + "', 'x') == nil"),
                Arguments.of("io.delete", "io.delete('" + file + "')"),
                Arguments.of("require io", "require('io') != nil"),
                Arguments.of("load a script", "load('" + file + "') != nil"),
                Arguments.of("__env__", "__env__ != nil"),
                Arguments.of("string interpolation", "'#{System.exit(0)}' == ''"),
                Arguments.of("eval", "eval('1 + 1') == 2"),
                Arguments.of(
                        ".class chain", "event.name.class.forName('java.lang.Runtime') != nil"),
                Arguments.of("mutating the event: assignment", "event.amount = 0; true"),
                Arguments.of("mutating the event: seq.put", "seq.put(event, 'amount', 0) != nil"),
                Arguments.of("mutating history: seq.add", "seq.add(history, 1) != nil"),
                Arguments.of("infinite while loop", "while(true) { } true"),
                Arguments.of("huge for loop", "for i in range(0, 1000000000) { } true"),
                Arguments.of("recursion with fn", "fn f(n) { f(n + 1) } f(1)"),
                Arguments.of("recursion with lambda", "let f = lambda(n) -> f(n + 1) end; f(1)"),
                Arguments.of("huge string building", "string.length(repeat(100000000, 'x')) > 0"),
                Arguments.of("regex via split", "count(string.split(event.name, '(a+)+$')) > 0"),
                Arguments.of("println", "println('pwned') == nil"),
                Arguments.of("sysdate", "sysdate() != nil"),
                Arguments.of("now", "now() > 0"),
                Arguments.of("rand", "rand() < 2"),
                Arguments.of("exceptions", "try { throw 'x' } catch(e) { true }"),
                Arguments.of("java array of a class", "seq.array(java.lang.Runtime) != nil"),
                Arguments.of("1 MB script", "true" + " && true".repeat(131_072)),
                // Property access on a value that is not a map called its Java bean getters.
                Arguments.of(".class of a string", "event.name.class != nil"),
                Arguments.of(".bytes of a string", "event.name.bytes != nil"),
                Arguments.of(".empty of a string", "event.name.empty == false"),
                Arguments.of(".isEmpty of a string", "event.name.isEmpty == false"),
                Arguments.of(".Class, another case", "event.name.Class != nil"),
                Arguments.of(".empty of a list", "event.tags.empty == false"),
                Arguments.of(
                        ".class chain to a class name",
                        "event.name.class.name == 'java.lang.String'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void rejectedAtCompileTime(String attempt, String script) {
        AviatorFilter filter = AviatorFilter.builder("escape", script).build();

        RuleRejectedException rejected = assertThrows(RuleRejectedException.class, filter::compile);

        assertThat(rejected.ruleId()).contains("escape");
        assertThat(dir.resolve("pwned")).doesNotExist();
    }

    /** Escape attempts that compile but are stopped when they run. */
    static Stream<Arguments> stoppedAtRunTime() {
        return Stream.of(
                Arguments.of(
                        "catastrophic regex",
                        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' =~ /^(a+)+$/",
                        "regular expressions"),
                Arguments.of("huge power", "2 ** 100000000 > 1", "powers"),
                Arguments.of("huge big integer shift", "(1N << 1000000000) > 1", "left shifts"),
                // Integer overflow wrapped silently: 9223372036854775807 + 1 < 0 was true.
                Arguments.of("long overflow, +", "9223372036854775807 + 1 < 0", "overflow"),
                Arguments.of("long overflow, -", "-9223372036854775807 - 2 > 0", "overflow"),
                Arguments.of("long overflow, *", "4611686018427387904 * 2 < 0", "overflow"),
                Arguments.of(
                        "long overflow on input values", "user.big + user.big < 0", "overflow"),
                Arguments.of("long overflow, unary minus", "-user.min < 0", "overflow"),
                Arguments.of("long overflow, /", "user.min / -1 < 0", "overflow"),
                Arguments.of("long overflow, math.abs", "math.abs(user.min) < 0", "overflow"),
                // A 64 KiB input string added to itself 1,143 times passed after 1.6 s and 328 MB.
                Arguments.of(
                        "string concatenation beyond maxStringLength",
                        "string.length("
                                + String.join("+", java.util.Collections.nCopies(1143, "user.s"))
                                + ") > 0",
                        "maxStringLength"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stoppedAtRunTime(String attempt, String script, String why) throws Exception {
        Map<String, Object> user = new HashMap<>(USER);
        user.put("s", "x".repeat(AviatorFilter.DEFAULT_MAX_STRING_LENGTH));
        user.put("big", Long.MAX_VALUE);
        user.put("min", Long.MIN_VALUE);
        FilterResult result =
                AviatorFilter.builder("f", script)
                        .maxScriptLength(16 * 1024)
                        .build()
                        .compile()
                        .test(EVENT, user, VISIT, HISTORY);

        assertThat(result.detail()).containsIgnoringCase(why);
        assertThat(result.outcome()).as(result.detail()).isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(result.passed()).isFalse();
    }

    @Test
    void deeplyNestedParenthesesAreRejectedEvenWithinTheSizeLimit() {
        String script = "(".repeat(100_000) + "true" + ")".repeat(100_000);
        AviatorFilter filter =
                AviatorFilter.builder("nested", script).maxScriptLength(1_000_000).build();

        assertThrows(RuleRejectedException.class, filter::compile);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theTimeoutStopsALoopThatWouldRunForever() throws Exception {
        AviatorFilter filter =
                AviatorFilter.builder("forever", "while(true) { } true")
                        .loops(true)
                        .maxLoopIterations(Integer.MAX_VALUE)
                        .timeout(Duration.ofMillis(100))
                        .build();

        FilterResult result = run(filter);

        assertThat(result.outcome()).isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(result.detail()).contains("Timeout");
    }

    /** With loops (API only), values can grow at every step: string and number doubling. */
    static Stream<Arguments> growthInLoops() {
        return Stream.of(
                Arguments.of("string doubling", "let s = 'x'; while(true) { s = s + s; } true"),
                Arguments.of("big integer squaring", "let n = 3N; while(true) { n = n * n; } true"),
                Arguments.of("long doubling", "let n = 3; while(true) { n = n + n; } true"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void growthInLoops(String attempt, String script) throws Exception {
        AviatorFilter filter =
                AviatorFilter.builder("grows", script)
                        .loops(true)
                        .maxLoopIterations(Integer.MAX_VALUE)
                        .build();

        // A guard against a hang only; before the bounds this ran out of memory.
        FilterResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(filter));

        assertThat(result.outcome()).as(result.detail()).isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(result.detail()).containsAnyOf("maxStringLength", "overflow", "bits exceeds");
    }

    @Test
    void gettersOfLocalVariablesAreRefusedToo() {
        AviatorFilter filter =
                AviatorFilter.builder("local", "for t in event.tags { t.class; } true")
                        .loops(true)
                        .build();

        RuleRejectedException rejected = assertThrows(RuleRejectedException.class, filter::compile);

        assertThat(rejected.getMessage()).contains("'class'");
    }

    @Test
    void theTimeoutHoldsInsideOneExpression() throws Exception {
        // 1,500 copies of a 64 KiB string, too few steps for Aviator's own check (every 2,000).
        AviatorFilter filter =
                AviatorFilter.builder(
                                "copies", "string.length(user.s" + " + ''".repeat(1500) + ") > 0")
                        .timeout(Duration.ofMillis(1))
                        .build();
        Map<String, Object> user = Map.of("s", "x".repeat(AviatorFilter.DEFAULT_MAX_STRING_LENGTH));

        FilterResult result = filter.compile().test(EVENT, user, VISIT, HISTORY);

        assertThat(result.outcome()).isEqualTo(FilterResult.Outcome.FAILED);
        assertThat(result.detail()).contains("timed out");
    }

    @Test
    void theLoopBoundStopsALongLoop() throws Exception {
        AviatorFilter filter =
                AviatorFilter.builder("long", "let n = 0; for x in history { n = n + 1; } n == 2")
                        .loops(true)
                        .maxLoopIterations(1)
                        .build();
        AviatorFilter enough =
                AviatorFilter.builder("long", "let n = 0; for x in history { n = n + 1; } n == 2")
                        .loops(true)
                        .build();

        assertThat(run(filter).outcome()).isEqualTo(FilterResult.Outcome.FAILED);
        FilterResult passed = run(enough);
        assertThat(passed.outcome()).as(passed.detail()).isEqualTo(FilterResult.Outcome.PASSED);
    }

    @Test
    void builderChecksArgumentsAtOnce() {
        assertThatThrownBy(() -> AviatorFilter.builder(" ", "true")).hasMessageContaining("id");
        assertThatThrownBy(() -> AviatorFilter.builder("f", "true").timeout(Duration.ZERO))
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> AviatorFilter.builder("f", "true").maxDepth(0))
                .hasMessageContaining("maxDepth");
    }

    @Test
    void escapeListIsLongEnough() {
        assertThat(rejectedAtCompileTime().count() + stoppedAtRunTime().count() + 2)
                .isGreaterThanOrEqualTo(25);
        assertThat(Files.exists(dir)).isTrue();
    }
}
