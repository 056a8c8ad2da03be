package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import dev.keyflow.rules.internal.AviatorSandbox;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable, serializable AviatorScript filter, run in an explicit sandbox.
 *
 * <pre>{@code
 * AviatorFilter filter = AviatorFilter.builder("big-spenders",
 *                 "event.amount > 100 && user.tier == 'gold' && count(history) < 50")
 *         .timeout(Duration.ofMillis(20))
 *         .build();
 * CompiledFilter compiled = filter.compile();          // once per bundle version; may throw
 * FilterResult result = compiled.test(event, user, visit, history);   // per event, never throws
 * }</pre>
 *
 * <p>The script sees {@code event}, {@code user} and {@code visit} (maps) and {@code history} (a
 * list), and must return a boolean. {@code map.key} reads a key of a map.
 *
 * <p><b>The sandbox</b> (Aviator is unsafe by default: any class, {@code new}, {@code use}, static
 * calls, file IO through the preloaded {@code io} module):
 *
 * <ul>
 *   <li>no language features beyond expressions: no assignment, {@code let}, {@code fn}, lambdas,
 *       {@code new}, {@code use}, static fields or methods, modules ({@code require}/{@code load}),
 *       internal variables ({@code __env__}), string interpolation, exceptions, {@code if}/loops
 *       (loops only with {@link Builder#loops}, then bounded by {@link Builder#maxLoopIterations});
 *   <li>empty class allow-lists, the {@code io} module removed;
 *   <li>built-in functions by allow-list only ({@link AviatorSandbox#ALLOWED_FUNCTIONS}): no {@code
 *       eval}, {@code print}/{@code println}, {@code sysdate}/{@code now}/{@code rand} (they also
 *       break replay determinism), {@code repeat}, {@code range}, {@code seq.put}, ...; the regex
 *       match operator {@code =~} and {@code **} fail at run time (catastrophic backtracking and
 *       huge powers cannot be interrupted);
 *   <li>exact arithmetic: integer overflow in {@code +}, {@code -}, {@code *}, {@code /}, unary
 *       minus and {@code math.abs} fails the filter instead of wrapping;
 *   <li>plain data only: the input is copied into an immutable view holding only strings, numbers,
 *       booleans, lists and maps, and a property path naming a Java getter of such a value ({@code
 *       event.name.class}, {@code .bytes}, {@code .empty}) is refused at compile time, so no Java
 *       method is reachable (read a map key of such a name with {@code seq.get});
 *   <li>bounded input ({@link Builder#maxStringLength}, {@link Builder#maxCollectionSize}, {@link
 *       Builder#maxDepth}) and script size ({@link Builder#maxScriptLength}); no string a script
 *       builds may be longer than {@link Builder#maxStringLength} either; an evaluation {@link
 *       Builder#timeout}. Aviator checks the timeout every 2,000 steps, not inside one built-in
 *       call; building a long string checks it too, and the bounds keep each call short.
 * </ul>
 *
 * <p>Failure: a script that does not compile in the sandbox throws {@link RuleRejectedException} at
 * {@link #compile()}; any failure while an event is tested is a {@link FilterResult.Outcome#FAILED}
 * result, and the event is rejected.
 */
public final class AviatorFilter implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);
    public static final int DEFAULT_MAX_SCRIPT_LENGTH = 8 * 1024;
    public static final int DEFAULT_MAX_STRING_LENGTH = 64 * 1024;
    public static final int DEFAULT_MAX_COLLECTION_SIZE = 10_000;
    public static final int DEFAULT_MAX_DEPTH = 16;
    public static final int DEFAULT_MAX_LOOP_ITERATIONS = 10_000;

    private final String id;
    private final String script;
    private final Duration timeout;
    private final int maxScriptLength;
    private final int maxStringLength;
    private final int maxCollectionSize;
    private final int maxDepth;
    private final boolean loops;
    private final int maxLoopIterations;

    private AviatorFilter(Builder b) {
        this.id = b.id;
        this.script = b.script;
        this.timeout = b.timeout;
        this.maxScriptLength = b.maxScriptLength;
        this.maxStringLength = b.maxStringLength;
        this.maxCollectionSize = b.maxCollectionSize;
        this.maxDepth = b.maxDepth;
        this.loops = b.loops;
        this.maxLoopIterations = b.maxLoopIterations;
    }

    /** Starts a filter with its id (named in results and rejections) and script. */
    public static Builder builder(String id, String script) {
        return new Builder(id, script);
    }

    /**
     * Compiles the script in a fresh sandbox, once per bundle version.
     *
     * @throws RuleRejectedException naming this filter if the script is too long, does not parse,
     *     or uses anything the sandbox forbids
     */
    public CompiledFilter compile() throws RuleRejectedException {
        return AviatorSandbox.compile(this);
    }

    public String id() {
        return id;
    }

    public String script() {
        return script;
    }

    public Duration timeout() {
        return timeout;
    }

    public int maxScriptLength() {
        return maxScriptLength;
    }

    public int maxStringLength() {
        return maxStringLength;
    }

    public int maxCollectionSize() {
        return maxCollectionSize;
    }

    public int maxDepth() {
        return maxDepth;
    }

    public boolean loops() {
        return loops;
    }

    public int maxLoopIterations() {
        return maxLoopIterations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AviatorFilter other
                && id.equals(other.id)
                && script.equals(other.script)
                && timeout.equals(other.timeout)
                && maxScriptLength == other.maxScriptLength
                && maxStringLength == other.maxStringLength
                && maxCollectionSize == other.maxCollectionSize
                && maxDepth == other.maxDepth
                && loops == other.loops
                && maxLoopIterations == other.maxLoopIterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, script, timeout, loops);
    }

    @Override
    public String toString() {
        return "AviatorFilter{" + id + "}";
    }

    /** Builds an {@link AviatorFilter}; see the class documentation for an example. */
    public static final class Builder {
        private final String id;
        private final String script;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxScriptLength = DEFAULT_MAX_SCRIPT_LENGTH;
        private int maxStringLength = DEFAULT_MAX_STRING_LENGTH;
        private int maxCollectionSize = DEFAULT_MAX_COLLECTION_SIZE;
        private int maxDepth = DEFAULT_MAX_DEPTH;
        private boolean loops;
        private int maxLoopIterations = DEFAULT_MAX_LOOP_ITERATIONS;

        private Builder(String id, String script) {
            this.id = Checks.requireText(id, "id");
            this.script = Checks.requireText(script, "script");
        }

        /**
         * Longest one evaluation may run (checked by Aviator every 2,000 steps, and whenever the
         * script builds a string of more than 1,024 characters).
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.requirePositive(timeout, "timeout");
            return this;
        }

        /** Longest accepted script, in characters. */
        public Builder maxScriptLength(int maxScriptLength) {
            this.maxScriptLength = Checks.requireAtLeastOne(maxScriptLength, "maxScriptLength");
            return this;
        }

        /** Longest string accepted anywhere in the input, and built by the script. */
        public Builder maxStringLength(int maxStringLength) {
            this.maxStringLength = Checks.requireAtLeastOne(maxStringLength, "maxStringLength");
            return this;
        }

        /** Largest list or map accepted anywhere in the input. */
        public Builder maxCollectionSize(int maxCollectionSize) {
            this.maxCollectionSize =
                    Checks.requireAtLeastOne(maxCollectionSize, "maxCollectionSize");
            return this;
        }

        /** Deepest nesting of lists and maps accepted in the input. */
        public Builder maxDepth(int maxDepth) {
            this.maxDepth = Checks.requireAtLeastOne(maxDepth, "maxDepth");
            return this;
        }

        /** Allows {@code for}/{@code while} loops and {@code let} (off by default). */
        public Builder loops(boolean loops) {
            this.loops = loops;
            return this;
        }

        /** Iterations one loop may run, when loops are allowed. */
        public Builder maxLoopIterations(int maxLoopIterations) {
            this.maxLoopIterations =
                    Checks.requireAtLeastOne(maxLoopIterations, "maxLoopIterations");
            return this;
        }

        public AviatorFilter build() {
            return new AviatorFilter(this);
        }
    }
}
