package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
                Arguments.of("1 MB script", "true" + " && true".repeat(131_072)));
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
                Arguments.of(
                        ".class of a string value",
                        "event.name.class.name == 'java.lang.String'",
                        "Could not find variable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stoppedAtRunTime(String attempt, String script, String why) throws Exception {
        FilterResult result = run(script);

        assertThat(result.detail()).contains(why);
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
